<?php

declare(strict_types=1);

namespace Courser\Tests;

use Courser\Exception\ProtocolException;
use Courser\Frame;
use Courser\Payload;
use Courser\Tests\Support\ServerEnd;
use Courser\Worker;
use PHPUnit\Framework\TestCase;

final class WorkerTest extends TestCase
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

    public function testPidHandshakeThenRequest(): void
    {
        $this->server->writeRaw(hex2bin('13090d0000003a6bfacb00007b22706964223a31323334357d')); // V1
        $this->server->sendRequest('{"a":1}', 'body');

        $payload = $this->worker->waitPayload();

        self::assertSame('{"a":1}', $payload->header);
        self::assertSame('body', $payload->body);
        $reply = $this->server->read();
        self::assertSame(Frame::CONTROL, $reply->flags, 'PHP replies with CONTROL only');
        self::assertSame([], $reply->options);
        self::assertSame(['pid' => getmypid()], json_decode($reply->payload, true));
        self::assertFalse($this->server->hasPending());
    }

    public function testRespondMatchesGoldenBytes(): void
    {
        $this->worker->respond(new Payload('hi', '{}'));
        self::assertSame('140804000000b83d9796000002000000' . '7b7d6869', bin2hex($this->server->readRaw()), 'V3b');

        $this->worker->respond(new Payload('hi', '{}'), 0);
        self::assertSame('1400040000007976e7a6000002000000' . '7b7d6869', bin2hex($this->server->readRaw()), 'V3a');

        $this->worker->respond(new Payload('body'), Frame::CODEC_PROTO);
        $frame = $this->server->read();
        self::assertSame(Frame::CODEC_PROTO, $frame->flags);
        self::assertSame([0], $frame->options);
        self::assertSame('body', $frame->payload);
    }

    public function testRespondWithALargeBodyArrivesAsOneFrame(): void
    {
        $body = random_bytes(3 * Frame::SPLIT_BODY_MIN);
        $this->worker->respond(new Payload($body, '{"status":200}'));
        $this->worker->respond(new Payload('next', '{}'));

        $frame = $this->server->read();
        self::assertSame([strlen('{"status":200}')], $frame->options);
        self::assertSame('{"status":200}' . $body, $frame->payload);
        self::assertSame('{}next', $this->server->read()->payload, 'the next frame starts where the body ends');
    }

    /**
     * @testWith [1]
     *           [64]
     *           [256]
     *           [-1]
     */
    public function testRespondRejectsNonCodecFlags(int $codec): void
    {
        $this->expectException(\InvalidArgumentException::class);
        $this->worker->respond(new Payload('x'), $codec);
    }

    public function testErrorFrameMatchesGoldenBytes(): void
    {
        $this->worker->error('boom');
        self::assertSame('134004000000881e11e30000626f6f6d', bin2hex($this->server->readRaw()), 'V8');
    }

    public function testStopControlEndsTheLoop(): void
    {
        $this->server->writeRaw(hex2bin('13090d0000003a6bfacb00007b2273746f70223a747275657d')); // V4
        self::assertNull($this->worker->waitPayload());
        self::assertFalse($this->server->hasPending(), 'nothing is sent in reply to stop');
    }

    public function testWorkerStopMatchesGoldenBytes(): void
    {
        $this->worker->stop();
        self::assertSame('14000d000000f339efdb00000d0000007b2273746f70223a747275657d', bin2hex($this->server->readRaw()), 'V5');
    }

    public function testEmptyPayloadEndsTheLoop(): void
    {
        $this->server->sendRequest('', '');
        self::assertNull($this->worker->waitPayload());
    }

    /**
     * @testWith [0]
     *           [4]
     *           [8]
     *           [128]
     *           [136]
     */
    public function testRequestFlagsAreIgnored(int $flags): void
    {
        $this->server->sendRequest('ctx', 'body', $flags);
        $payload = $this->worker->waitPayload();
        self::assertSame(['ctx', 'body'], [$payload->header, $payload->body]);
    }

    public function testBodyOnlyAndContextOnlyPayloads(): void
    {
        $this->server->sendRequest('', 'just body');
        $this->server->sendRequest('just context', '');
        $first = $this->worker->waitPayload();
        self::assertSame(['', 'just body'], [$first->header, $first->body]);
        $second = $this->worker->waitPayload();
        self::assertSame(['just context', ''], [$second->header, $second->body]);
    }

    public function testLeftoverPongAndStopAreConsumed(): void
    {
        $this->server->writeRaw(hex2bin('13000000000096d180340800')); // V6 PONG
        $this->server->writeRaw(hex2bin('13000000000096d180340200')); // V7 STOP
        $this->server->sendRequest('{}', 'next');
        self::assertSame('next', $this->worker->waitPayload()->body);
    }

    /** @return iterable<string, array{string, string}> */
    public static function badControlFrames(): iterable
    {
        yield 'not json' => ['{pid', 'Invalid control frame payload'];
        yield 'not an object' => ['42', 'Invalid control frame payload'];
        yield 'unknown key' => ['{"reload":true}', 'Unknown control message'];
        yield 'pid zero' => ['{"pid":0}', 'Unknown control message'];
    }

    /** @dataProvider badControlFrames */
    public function testBadControlFrames(string $json, string $message): void
    {
        $this->server->send(Frame::CONTROL | Frame::CODEC_JSON, $json);
        $this->expectException(ProtocolException::class);
        $this->expectExceptionMessage($message);
        $this->worker->waitPayload();
    }

    public function testStopWinsOverPid(): void
    {
        $this->server->send(Frame::CONTROL, '{"pid":1,"stop":true}');
        self::assertNull($this->worker->waitPayload());
        self::assertFalse($this->server->hasPending());
    }

    public function testRequestWithWrongOptionCount(): void
    {
        $this->server->send(Frame::CODEC_JSON, 'abc', [1, 2]);
        $this->expectException(ProtocolException::class);
        $this->expectExceptionMessage('exactly one option');
        $this->worker->waitPayload();
    }

    public function testRequestWithContextLongerThanPayload(): void
    {
        $this->server->send(Frame::CODEC_JSON, 'abc', [4]);
        $this->expectException(ProtocolException::class);
        $this->expectExceptionMessage('exceeds the payload length');
        $this->worker->waitPayload();
    }
}
