<?php

declare(strict_types=1);

namespace Courser\Tests\Support;

use Courser\Frame;
use Courser\Relay\StreamRelay;
use Courser\Worker;
use PHPUnit\Framework\Assert;

/**
 * Plays the server in worker tests: one end of a socket pair (or an accepted socket); the worker
 * under test gets the other end. Everything is in one process, so writes must fit the socket buffer
 * and reads are guarded by a timeout instead of hanging the suite.
 */
final class ServerEnd
{
    /** @var resource we read the worker's frames here */
    public $socket;

    /** @var resource we write frames for the worker here (the same socket unless pipes) */
    public $output;

    /** @var resource|null */
    public $workerSocket;

    /**
     * @param resource      $socket
     * @param resource|null $workerSocket
     * @param resource|null $output
     */
    public function __construct($socket, $workerSocket = null, $output = null)
    {
        $this->socket = $socket;
        $this->workerSocket = $workerSocket;
        $this->output = $output ?? $socket;
    }

    /**
     * The server side of a child process's stdio.
     *
     * @param resource $childStdin
     * @param resource $childStdout
     */
    public static function pipes($childStdin, $childStdout): self
    {
        return new self($childStdout, null, $childStdin);
    }

    public static function pair(): self
    {
        $pair = stream_socket_pair(STREAM_PF_UNIX, STREAM_SOCK_STREAM, STREAM_IPPROTO_IP);
        Assert::assertIsArray($pair);

        return new self($pair[1], $pair[0]);
    }

    /** A Worker on the other end, without touching STDOUT. */
    public function worker(): Worker
    {
        return new Worker(new StreamRelay($this->workerSocket, $this->workerSocket), null);
    }

    public function writeRaw(string $bytes): void
    {
        Assert::assertSame(strlen($bytes), fwrite($this->output, $bytes));
    }

    /** @param list<int> $options */
    public function send(int $flags, string $payload = '', array $options = [], int $stream = 0): void
    {
        $this->writeRaw(Frame::pack($flags, $payload, $options, $stream));
    }

    public function sendPidRequest(int $pid = 12345): void
    {
        $this->send(Frame::CONTROL | Frame::CODEC_JSON, '{"pid":' . $pid . '}');
    }

    public function sendStopControl(): void
    {
        $this->send(Frame::CONTROL | Frame::CODEC_JSON, '{"stop":true}');
    }

    public function sendRequest(string $context, string $body = '', int $flags = Frame::CODEC_JSON): void
    {
        $this->send($flags, $context . $body, [strlen($context)]);
    }

    public function sendPong(): void
    {
        $this->send(0, '', [], Frame::PONG);
    }

    public function sendStreamStop(): void
    {
        $this->send(0, '', [], Frame::STOP);
    }

    /** Reads one frame's exact bytes (independently of the library's parser). */
    public function readRaw(float $timeout = 2.0): string
    {
        $header = $this->readExactly(12, $timeout);
        $hl = ord($header[0]) & 0x0F;
        $length = unpack('V', substr($header, 2, 4))[1];

        return $header . $this->readExactly(($hl - 3) * 4 + $length, $timeout);
    }

    public function read(float $timeout = 2.0): Frame
    {
        return Frame::decode($this->readRaw($timeout));
    }

    public function hasPending(float $timeout = 0.0): bool
    {
        $read = [$this->socket];
        $write = $except = null;

        return stream_select($read, $write, $except, (int) $timeout, (int) (($timeout - (int) $timeout) * 1e6)) > 0;
    }

    public function close(): void
    {
        foreach ([$this->socket, $this->output, $this->workerSocket] as $socket) {
            if (is_resource($socket)) {
                fclose($socket);
            }
        }
    }

    private function readExactly(int $length, float $timeout): string
    {
        $data = '';
        while (strlen($data) < $length) {
            Assert::assertTrue($this->hasPending($timeout), sprintf('Timed out waiting for worker data (%d of %d bytes)', strlen($data), $length));
            $chunk = fread($this->socket, $length - strlen($data));
            Assert::assertNotFalse($chunk);
            Assert::assertNotSame('', $chunk, 'Worker end closed the socket');
            $data .= $chunk;
        }

        return $data;
    }
}
