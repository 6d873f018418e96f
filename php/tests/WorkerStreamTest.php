<?php

declare(strict_types=1);

namespace Courser\Tests;

use Courser\Exception\StreamStoppedException;
use Courser\Frame;
use Courser\Payload;
use Courser\ResponseStream;
use Courser\Tests\Support\ServerEnd;
use Courser\Worker;
use PHPUnit\Framework\TestCase;

/**
 * Streamed responses. The generators below double as the server: between yields they read the
 * frame the worker just sent and answer PINGs, exactly as the server would.
 */
final class WorkerStreamTest extends TestCase
{
    private ServerEnd $server;
    private Worker $worker;

    protected function setUp(): void
    {
        $this->server = ServerEnd::pair();
        $this->worker = $this->server->worker();
    }

    protected function tearDown(): void
    {
        $this->server->close();
    }

    public function testStreamFlagsPingEveryFifthFrameAndPongIsConsumed(): void
    {
        $seen = [];
        $chunks = function () use (&$seen): \Generator {
            for ($i = 1; $i <= 12; $i++) {
                yield new Payload("chunk$i");
                $frame = $this->server->read();
                $seen[] = [$frame->stream, $frame->payload];
                if ($frame->hasStreamBit(Frame::PING)) {
                    $this->server->sendPong();
                }
            }

            return new Payload('end');
        };

        self::assertTrue($this->worker->respondStream($chunks()));

        $final = $this->server->read();
        self::assertSame(0, $final->stream, 'last frame has no STREAM bit');
        self::assertSame('end', $final->payload);
        self::assertSame(Frame::CODEC_JSON, $final->flags);

        $expected = [];
        for ($i = 1; $i <= 12; $i++) {
            $expected[] = [$i % 5 === 0 ? Frame::STREAM | Frame::PING : Frame::STREAM, "chunk$i"];
        }
        self::assertSame($expected, $seen, 'PING on frames 5 and 10; the PONG after 5 was consumed in time for 10');
        self::assertFalse($this->server->hasPending());
    }

    public function testNoNewPingWhileAPongIsOutstanding(): void
    {
        $stream = $this->worker->openStream();
        $bits = [];
        for ($i = 1; $i <= 11; $i++) {
            self::assertTrue($stream->send(new Payload("c$i")));
            $bits[] = $this->server->read()->stream;
        }
        self::assertTrue($stream->isAwaitingPong());
        self::assertSame(Frame::STREAM | Frame::PING, $bits[4]);
        self::assertSame(Frame::STREAM, $bits[9], 'no second PING before the first PONG');

        $this->server->sendPong();
        $stream->end();
        self::assertFalse($stream->isAwaitingPong());
        self::assertSame(0, $this->server->read()->stream);
    }

    public function testServerStopAbortsTheStream(): void
    {
        $caught = null;
        $finally = false;
        $chunks = function () use (&$caught, &$finally): \Generator {
            try {
                yield 'one';
                yield 'two';
                $this->server->read();
                $this->server->read();
                $this->server->sendStreamStop(); // the HTTP client went away
                yield 'three';
                yield 'four';
            } catch (StreamStoppedException $e) {
                $caught = $e;
            } finally {
                $finally = true;
            }
        };

        self::assertFalse($this->worker->respondStream($chunks()));

        self::assertInstanceOf(StreamStoppedException::class, $caught);
        self::assertTrue($finally);
        // The acknowledgement: flags 0, one option = 0, no STREAM, empty payload.
        self::assertSame(bin2hex(Frame::pack(0, '', [0])), bin2hex($this->server->readRaw()));
        self::assertFalse($this->server->hasPending(), "'three' was never sent");
    }

    public function testStopIsHandledWhenTheGeneratorDoesNotCatchIt(): void
    {
        $chunks = function (): \Generator {
            yield 'one';
            $this->server->read();
            $this->server->sendStreamStop();
            yield 'two';
        };
        self::assertFalse($this->worker->respondStream($chunks()));
        $frame = $this->server->read();
        self::assertSame([0, 0, [0], ''], [$frame->flags, $frame->stream, $frame->options, $frame->payload]);
    }

    public function testStopControlDuringAStreamEndsTheNextWait(): void
    {
        $stream = $this->worker->openStream();
        $stream->send(new Payload('a'));
        $this->server->sendStopControl();
        $stream->send(new Payload('b'));
        $stream->end(new Payload('c'));
        self::assertSame(['a', 'b', 'c'], [$this->server->read()->payload, $this->server->read()->payload, $this->server->read()->payload]);

        self::assertNull($this->worker->waitPayload(), 'the deferred stop control is honoured');
    }

    public function testGeneratorFailureAfterFirstChunkClosesTheStream(): void
    {
        $chunks = static function (): \Generator {
            yield 'partial';
            throw new \RuntimeException('db down');
        };
        try {
            $this->worker->respondStream($chunks());
            self::fail('the exception must propagate');
        } catch (\RuntimeException $e) {
            self::assertSame('db down', $e->getMessage());
        }
        self::assertSame(Frame::STREAM, $this->server->read()->stream);
        $end = $this->server->read();
        self::assertSame([0, 0, [0], ''], [$end->flags, $end->stream, $end->options, $end->payload]);
    }

    public function testGeneratorFailureBeforeAnyChunkSendsNothing(): void
    {
        $chunks = static function (): \Generator {
            throw new \RuntimeException('early');
            yield 'never'; // @phpstan-ignore-line
        };
        try {
            $this->worker->respondStream($chunks());
            self::fail('the exception must propagate');
        } catch (\RuntimeException) {
        }
        self::assertFalse($this->server->hasPending(), 'the caller can still respond or error()');
    }

    public function testEmptyGeneratorSendsOneFinalFrame(): void
    {
        $chunks = static function (): \Generator {
            yield from [];

            return 'only';
        };
        self::assertTrue($this->worker->respondStream($chunks(), Frame::CODEC_RAW));
        $frame = $this->server->read();
        self::assertSame([Frame::CODEC_RAW, 0, 'only'], [$frame->flags, $frame->stream, $frame->payload]);
    }

    public function testArraysStreamToo(): void
    {
        self::assertTrue($this->worker->respondStream(['a', new Payload('b', 'ctx')]));
        self::assertSame([Frame::STREAM, 'a'], [($f = $this->server->read())->stream, $f->payload]);
        self::assertSame([Frame::STREAM, [3], 'ctxb'], [($f = $this->server->read())->stream, $f->options, $f->payload]);
        self::assertSame([0, ''], [($f = $this->server->read())->stream, $f->payload]);
    }

    public function testLargeChunksAndALargeLastFrameArriveWhole(): void
    {
        $big = str_repeat('x', 2 * Frame::SPLIT_BODY_MIN);
        $stream = $this->worker->openStream();
        self::assertTrue($stream->send(new Payload($big, '{"status":200}')));
        // Read each frame before the next is written: the socket pair holds less than two.
        $first = $this->server->read();
        self::assertSame([Frame::STREAM, [14], '{"status":200}' . $big], [$first->stream, $first->options, $first->payload]);
        $stream->end(new Payload($big . 'end'));
        $last = $this->server->read();
        self::assertSame([0, [0], $big . 'end'], [$last->stream, $last->options, $last->payload]);
        self::assertFalse($this->server->hasPending());
    }

    public function testClosedStreamCannotBeReused(): void
    {
        $stream = $this->worker->openStream();
        $stream->end();
        $this->server->read();
        $this->expectException(\LogicException::class);
        $stream->send(new Payload('late'));
    }

    public function testPingCadenceConstant(): void
    {
        self::assertSame(5, ResponseStream::PING_EVERY);
    }
}
