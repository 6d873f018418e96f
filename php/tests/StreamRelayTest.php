<?php

declare(strict_types=1);

namespace Courser\Tests;

use Courser\Exception\FrameException;
use Courser\Exception\RelayException;
use Courser\Frame;
use Courser\Relay\StreamRelay;
use Courser\Tests\Support\ServerEnd;
use PHPUnit\Framework\TestCase;

final class StreamRelayTest extends TestCase
{
    private ServerEnd $server;
    private StreamRelay $relay;

    protected function setUp(): void
    {
        $this->server = ServerEnd::pair();
        $this->relay = new StreamRelay($this->server->workerSocket, $this->server->workerSocket);
    }

    protected function tearDown(): void
    {
        $this->server->close();
    }

    public function testSendWritesTheExactFrameBytes(): void
    {
        $bytes = Frame::pack(Frame::CODEC_JSON, '{}hi', [2]);
        $this->relay->send($bytes);
        self::assertSame(bin2hex($bytes), bin2hex($this->server->readRaw()));
    }

    public function testWaitFrameReadsFramesBackToBack(): void
    {
        // Two frames in one write: the relay must split them exactly.
        $this->server->writeRaw(Frame::pack(Frame::CODEC_JSON, 'ctxbody', [3]) . Frame::pack(0, '', [], Frame::PONG));
        $first = $this->relay->waitFrame();
        self::assertSame([3], $first->options);
        self::assertSame('ctxbody', $first->payload);
        self::assertTrue($this->relay->hasFrame(), 'second frame is buffered and must be reported');
        self::assertSame(Frame::PONG, $this->relay->waitFrame()->stream);
        self::assertFalse($this->relay->hasFrame());
    }

    public function testHasFrameIsNonBlocking(): void
    {
        $start = microtime(true);
        self::assertFalse($this->relay->hasFrame());
        self::assertLessThan(0.05, microtime(true) - $start);
        $this->server->sendPong();
        self::assertTrue($this->relay->hasFrame());
    }

    public function testClosedRelayRaisesRelayException(): void
    {
        fclose($this->server->socket);
        $this->expectException(RelayException::class);
        $this->expectExceptionMessage('Relay closed by the server');
        $this->relay->waitFrame();
    }

    public function testRelayClosedMidFrame(): void
    {
        $bytes = Frame::pack(0, 'hello world', [5]);
        $this->server->writeRaw(substr($bytes, 0, 20));
        fclose($this->server->socket);
        $this->expectException(RelayException::class);
        $this->expectExceptionMessage('in the middle of a frame');
        $this->relay->waitFrame();
    }

    public function testCorruptedStreamRaisesFrameException(): void
    {
        $this->server->writeRaw('Warning: oops in /app/index.php');
        $this->expectException(FrameException::class);
        $this->relay->waitFrame();
    }

    public function testWriteToClosedPeerFails(): void
    {
        fclose($this->server->socket);
        $this->expectException(RelayException::class);
        // The first write may still succeed on some kernels; a few writes must fail.
        for ($i = 0; $i < 5; $i++) {
            $this->relay->send(Frame::pack(0, str_repeat('x', 1024)));
        }
    }

    public function testMemoryStreamsAndLargePayload(): void
    {
        $in = fopen('php://temp', 'w+b');
        $out = fopen('php://memory', 'w+b');
        $relay = new StreamRelay($in, $out);
        $payload = random_bytes(3 * 1024 * 1024);
        fwrite($in, Frame::pack(Frame::CODEC_RAW, $payload, [10]));
        rewind($in);
        self::assertTrue($relay->hasFrame());
        $frame = $relay->waitFrame();
        self::assertSame($payload, $frame->payload);
        self::assertFalse($relay->hasFrame());

        $relay->send(Frame::pack(0, $payload, [0]));
        rewind($out);
        self::assertSame($payload, Frame::decode(stream_get_contents($out))->payload);
    }

    public function testToleratesReadTimeouts(): void
    {
        if (!function_exists('pcntl_fork')) {
            self::markTestSkipped('needs pcntl');
        }
        stream_set_timeout($this->server->workerSocket, 0, 50_000);
        $pid = pcntl_fork();
        if ($pid === 0) {
            // Child: answer after several read timeouts have expired in the parent, then vanish
            // without running PHPUnit's shutdown code.
            usleep(200_000);
            fwrite($this->server->socket, Frame::pack(Frame::CODEC_JSON, 'late', [0]));
            posix_kill(posix_getpid(), SIGKILL);
        }
        $frame = $this->relay->waitFrame();
        pcntl_waitpid($pid, $status);
        self::assertSame('late', $frame->payload);
    }

    public function testRejectsNonStreams(): void
    {
        $this->expectException(\InvalidArgumentException::class);
        new StreamRelay('php://stdin', STDOUT);
    }
}
