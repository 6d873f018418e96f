<?php

declare(strict_types=1);

namespace Courser;

use Courser\Exception\FrameException;

/**
 * The verified fixed part of a frame. Reading a frame is two steps (12 header bytes, then
 * remainingLength() more), so the header needs to exist on its own between them.
 */
final class FrameHeader
{
    private function __construct(
        public readonly int $flags,
        public readonly int $stream,
        public readonly int $optionCount,
        public readonly int $payloadLength,
    ) {
    }

    /**
     * @throws FrameException when the bytes are not a valid version-1 header
     */
    public static function parse(string $bytes): self
    {
        if (strlen($bytes) !== Frame::HEADER_SIZE) {
            throw new FrameException(sprintf('A frame header is %d bytes, got %d', Frame::HEADER_SIZE, strlen($bytes)));
        }
        /** @var array{vhl:int, flags:int, length:int, crc:int, stream:int} $h */
        $h = unpack('Cvhl/Cflags/Vlength/Vcrc/Cstream', $bytes);

        // CRC first: if it fails, the bytes are probably not a frame at all (e.g. stray text), and
        // saying "bad CRC" plus the bytes is the most useful diagnosis.
        $crc = crc32(substr($bytes, 0, 6));
        if ($crc !== $h['crc']) {
            throw new FrameException(sprintf(
                'Frame header CRC mismatch (expected %08x, got %08x); the relay is corrupted or out of sync. Header bytes: %s',
                $crc,
                $h['crc'],
                bin2hex($bytes),
            ));
        }
        $version = $h['vhl'] >> 4;
        if ($version !== Frame::VERSION) {
            throw new FrameException("Unsupported frame version $version (expected " . Frame::VERSION . ')');
        }
        $optionCount = ($h['vhl'] & 0x0F) - 3;
        if ($optionCount < 0 || $optionCount > Frame::MAX_OPTIONS) {
            throw new FrameException(sprintf('Invalid frame header length %d words (expected 3..13)', $h['vhl'] & 0x0F));
        }

        return new self($h['flags'], $h['stream'], $optionCount, $h['length']);
    }

    /** Bytes that follow the 12-byte header: the options, then the payload. */
    public function remainingLength(): int
    {
        return $this->optionCount * 4 + $this->payloadLength;
    }

    /** Builds the frame from the remainingLength() bytes that followed this header. */
    public function withRemainder(string $remainder): Frame
    {
        if (strlen($remainder) !== $this->remainingLength()) {
            throw new FrameException(sprintf('Expected %d bytes after the header, got %d', $this->remainingLength(), strlen($remainder)));
        }
        $optionBytes = $this->optionCount * 4;
        /** @var list<int> $options */
        $options = $optionBytes > 0 ? array_values(unpack('V*', substr($remainder, 0, $optionBytes))) : [];

        return new Frame($this->flags, (string) substr($remainder, $optionBytes), $options, $this->stream);
    }
}
