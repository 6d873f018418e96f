<?php

declare(strict_types=1);

namespace Courser;

use Courser\Exception\FrameException;

/**
 * One goridge frame (spec §1): a 12-byte little-endian header, 0..10 uint32 option words, then the payload.
 *
 *   byte 0: version << 4 | HL    (HL = header length in 32-bit words = 3 + option count)
 *   byte 1: flags                (CONTROL, ERROR, codec bits)
 *   2..5:   payload length       (uint32 LE, payload only)
 *   6..9:   CRC32 of bytes 0..5  (uint32 LE)
 *   10:     stream bits          (STREAM, STOP, PING, PONG; not covered by the CRC)
 *   11:     reserved, 0
 *
 * The constants mirror src/protocol/flags.ts on the server side.
 */
final class Frame
{
    // Byte 1: flags.
    public const CONTROL = 0x01;
    public const CODEC_RAW = 0x04;
    public const CODEC_JSON = 0x08;
    public const CODEC_MSGPACK = 0x10;
    public const CODEC_GOB = 0x20;
    public const ERROR = 0x40;
    public const CODEC_PROTO = 0x80;

    // Byte 10: stream bits.
    public const STREAM = 0x01;
    public const STOP = 0x02;
    public const PING = 0x04;
    public const PONG = 0x08;

    public const VERSION = 1;
    public const HEADER_SIZE = 12;
    public const MAX_OPTIONS = 10;
    public const MAX_UINT32 = 0xFFFFFFFF;

    /** A payload body this large is written after its frame head, not copied into one string with it. */
    public const SPLIT_BODY_MIN = 65536;

    /**
     * @param list<int> $options
     */
    public function __construct(
        public readonly int $flags,
        public readonly string $payload = '',
        public readonly array $options = [],
        public readonly int $stream = 0,
    ) {
    }

    /**
     * Encodes a complete frame as one string, so a relay can write it with a single fwrite().
     *
     * @param list<int> $options uint32 values
     */
    public static function pack(int $flags, string $payload, array $options = [], int $stream = 0): string
    {
        self::assertByte('flags', $flags);
        self::assertByte('stream', $stream);
        $count = count($options);
        if ($count > self::MAX_OPTIONS) {
            throw new \InvalidArgumentException(sprintf('A frame carries at most %d options, got %d', self::MAX_OPTIONS, $count));
        }
        foreach ($options as $option) {
            if (!is_int($option) || $option < 0 || $option > self::MAX_UINT32) {
                throw new \InvalidArgumentException('Frame options must be uint32 integers, got ' . var_export($option, true));
            }
        }
        return self::head($flags, strlen($payload), $options, $stream) . $payload;
    }

    /**
     * A payload frame (its one option: the context length) as the strings to write, in order. A
     * small one is one string. A body of SPLIT_BODY_MIN bytes or more comes second, as it is: one
     * string would copy it twice (the context in front, then the frame head), and for a body of a
     * megabyte PHP maps fresh memory for each copy and the kernel faults every page of it in.
     *
     * @return list<string>
     */
    public static function packPayload(int $flags, Payload $payload, int $stream = 0): array
    {
        $context = $payload->header;
        $body = $payload->body;
        if (strlen($body) < self::SPLIT_BODY_MIN) {
            return [self::pack($flags, $context . $body, [strlen($context)], $stream)];
        }
        self::assertByte('flags', $flags);
        self::assertByte('stream', $stream);

        return [self::head($flags, strlen($context) + strlen($body), [strlen($context)], $stream) . $context, $body];
    }

    /**
     * The header and option words of a frame whose payload is $length bytes.
     *
     * @param list<int> $options uint32 values, already validated
     */
    private static function head(int $flags, int $length, array $options, int $stream): string
    {
        if ($length > self::MAX_UINT32) {
            throw new \InvalidArgumentException("Payload of $length bytes does not fit a uint32 length");
        }
        $count = count($options);
        // 'V' is explicitly little-endian; RoadRunner's 'L' is machine order and only works on LE hosts.
        $crcCovered = pack('CCV', (self::VERSION << 4) | (3 + $count), $flags, $length);

        return $crcCovered
            . pack('VCC', crc32($crcCovered), $stream, 0)
            . ($count > 0 ? pack('V*', ...$options) : '');
    }

    /** Parses and verifies the fixed 12-byte header. */
    public static function parseHeader(string $bytes): FrameHeader
    {
        return FrameHeader::parse($bytes);
    }

    /**
     * Decodes one complete frame held in a string (header, options and payload, nothing more).
     * Relays read incrementally instead; this is for tests and tools.
     */
    public static function decode(string $bytes): self
    {
        $header = FrameHeader::parse(substr($bytes, 0, self::HEADER_SIZE));
        $expected = self::HEADER_SIZE + $header->remainingLength();
        if (strlen($bytes) !== $expected) {
            throw new FrameException(sprintf('Frame should be %d bytes long, got %d', $expected, strlen($bytes)));
        }

        return $header->withRemainder(substr($bytes, self::HEADER_SIZE));
    }

    /** The wire bytes of this frame. */
    public function encode(): string
    {
        return self::pack($this->flags, $this->payload, $this->options, $this->stream);
    }

    public function hasFlag(int $flag): bool
    {
        return ($this->flags & $flag) === $flag;
    }

    public function hasStreamBit(int $bit): bool
    {
        return ($this->stream & $bit) === $bit;
    }

    private static function assertByte(string $name, int $value): void
    {
        if ($value < 0 || $value > 0xFF) {
            throw new \InvalidArgumentException("Frame $name must fit one byte, got $value");
        }
    }
}
