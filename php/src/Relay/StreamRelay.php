<?php

declare(strict_types=1);

namespace Courser\Relay;

use Courser\Exception\RelayException;
use Courser\Frame;
use Courser\FrameHeader;

/**
 * Frames over a pair of PHP stream resources: STDIN/STDOUT for `pipes`, a socket for SocketRelay,
 * or anything else in tests (stream_socket_pair(), php://memory).
 */
final class StreamRelay implements RelayInterface
{
    /** @var resource */
    private $in;

    /** @var resource */
    private $out;

    private ?bool $inIsFile = null;

    /**
     * @param resource $in  frames from the server are read here
     * @param resource $out frames to the server are written here
     */
    public function __construct($in, $out)
    {
        foreach (['in' => $in, 'out' => $out] as $name => $stream) {
            if (!is_resource($stream) || get_resource_type($stream) !== 'stream') {
                throw new \InvalidArgumentException("StreamRelay expects a stream resource for \$$name");
            }
        }
        $this->in = $in;
        $this->out = $out;
    }

    public function send(string $frameBytes): void
    {
        $total = strlen($frameBytes);
        $written = 0;
        // One fwrite() per frame; the loop only continues a partial write (e.g. a signal interrupted it).
        while ($written < $total) {
            $n = @fwrite($this->out, $written === 0 ? $frameBytes : substr($frameBytes, $written));
            if ($n === false || $n === 0) {
                throw new RelayException(sprintf('Unable to write frame to relay (%d of %d bytes written): %s', $written, $total, self::lastError()));
            }
            $written += $n;
        }
    }

    public function waitFrame(): Frame
    {
        $header = FrameHeader::parse($this->read(Frame::HEADER_SIZE));

        return $header->withRemainder($this->read($header->remainingLength()));
    }

    public function hasFrame(): bool
    {
        // Regular files (and php://memory, php://temp, which report as such) are always "readable" to
        // select(), even at EOF; for them "a frame is waiting" means "unread bytes remain".
        if ($this->inIsFile ??= ((fstat($this->in)['mode'] ?? 0) & 0170000) === 0100000) {
            return ftell($this->in) < (fstat($this->in)['size'] ?? 0);
        }
        $read = [$this->in];
        $write = $except = null;
        // stream_select() also reports data already sitting in PHP's read buffer.
        $ready = @stream_select($read, $write, $except, 0, 0);
        if ($ready === false) {
            throw new RelayException('Unable to poll relay: ' . self::lastError());
        }

        return $ready > 0;
    }

    /** Reads exactly $length bytes, blocking as long as the stream stays open. */
    private function read(int $length): string
    {
        $data = '';
        while (strlen($data) < $length) {
            $chunk = @fread($this->in, $length - strlen($data));
            if ($chunk === false || $chunk === '') {
                // A socket read timeout (default_socket_timeout) is not an error for a worker that
                // idles between requests: keep waiting.
                if (stream_get_meta_data($this->in)['timed_out'] ?? false) {
                    continue;
                }
                if ($chunk === false) {
                    throw new RelayException('Unable to read from relay: ' . self::lastError());
                }
                if (feof($this->in)) {
                    throw new RelayException($data === '' && $length === Frame::HEADER_SIZE
                        ? 'Relay closed by the server'
                        : sprintf('Relay closed in the middle of a frame (%d of %d bytes read)', strlen($data), $length));
                }
                continue;
            }
            $data .= $chunk;
        }

        return $data;
    }

    private static function lastError(): string
    {
        return error_get_last()['message'] ?? 'unknown error';
    }
}
