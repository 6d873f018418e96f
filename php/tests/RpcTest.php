<?php

declare(strict_types=1);

namespace Courser\Tests;

use Courser\Environment;
use Courser\Exception\ProtocolException;
use Courser\Exception\ServiceException;
use Courser\Frame;
use Courser\Relay\StreamRelay;
use Courser\Rpc\RPC;
use Courser\Tests\Support\ServerEnd;
use PHPUnit\Framework\TestCase;

/**
 * The RPC client against a scripted server end: the reply is written before the call (one process),
 * so the test predicts the sequence number the call will use.
 */
final class RpcTest extends TestCase
{
    private ServerEnd $server;
    private RPC $rpc;

    protected function setUp(): void
    {
        $this->server = ServerEnd::pair();
        $this->rpc = new RPC(new StreamRelay($this->server->workerSocket, $this->server->workerSocket), null, 'tcp://test:1');
    }

    protected function tearDown(): void
    {
        $this->server->close();
        putenv('RR_RPC');
    }

    public function testCallSendsSeqAndMethodLengthAndDecodesTheJsonReply(): void
    {
        $seq = self::nextSeq();
        $this->reply($seq, 'informer.Workers', '{"workers":[{"pid":42}]}');

        $result = $this->rpc->call('informer.Workers', 'http');

        self::assertSame(['workers' => [['pid' => 42]]], $result);
        $sent = $this->server->read();
        self::assertSame(Frame::CODEC_JSON, $sent->flags);
        self::assertSame([$seq, strlen('informer.Workers')], $sent->options);
        self::assertSame('informer.Workers"http"', $sent->payload);
    }

    public function testTheSpecVectorV9(): void
    {
        // V9 is seq 1; the bytes after the header are the same for any seq except option 0.
        $seq = self::nextSeq();
        $this->reply($seq, 'informer.Workers', '{"workers":[]}');
        $this->rpc->call('informer.Workers', 'http');
        $bytes = $this->server->readRaw();
        self::assertSame('1508160000000971dba70000', bin2hex(substr($bytes, 0, 12)));
        self::assertSame('10000000', bin2hex(substr($bytes, 16, 4)));
    }

    public function testServicePrefixUpperCasesTheMethod(): void
    {
        $seq = self::nextSeq();
        $this->reply($seq, 'metrics.Add', 'true');

        self::assertTrue($this->rpc->withServicePrefix('metrics')->call('add', ['name' => 'hits', 'value' => 1.0]));
        self::assertSame('metrics.Add{"name":"hits","value":1.0}', $this->server->read()->payload);
    }

    public function testAnErrorReplyThrowsServiceExceptionWithTheServerText(): void
    {
        $seq = self::nextSeq();
        $this->reply($seq, 'resetter.Reset', 'no such plugin: nope', Frame::CODEC_JSON | Frame::ERROR);

        $this->expectException(ServiceException::class);
        $this->expectExceptionMessage("Error 'no such plugin: nope' on tcp://test:1");
        $this->rpc->call('resetter.Reset', 'nope');
    }

    public function testASequenceMismatchIsAProtocolError(): void
    {
        $seq = self::nextSeq();
        $this->reply($seq + 7, 'rpc.Version', '"2023.3.12"');

        $this->expectException(ProtocolException::class);
        $this->expectExceptionMessage('sequence mismatch');
        $this->rpc->call('rpc.Version', true);
    }

    public function testAReplyWithoutTwoOptionsIsAProtocolError(): void
    {
        self::nextSeq();
        $this->server->send(Frame::CODEC_JSON, 'x', [1]);

        $this->expectException(ProtocolException::class);
        $this->expectExceptionMessage('options missing');
        $this->rpc->call('rpc.Version', true);
    }

    public function testRawCodecPassesBytesBothWays(): void
    {
        $seq = self::nextSeq();
        $this->reply($seq, 'rpc.Config', "\x00{\"a\":1}", Frame::CODEC_RAW);

        self::assertSame("\x00{\"a\":1}", $this->rpc->call('rpc.Config', "\x01\x02", Frame::CODEC_RAW));
        $sent = $this->server->read();
        self::assertSame(Frame::CODEC_RAW, $sent->flags);
        self::assertSame("rpc.Config\x01\x02", $sent->payload);
    }

    public function testRawPayloadMustBeAString(): void
    {
        $this->expectException(\InvalidArgumentException::class);
        $this->rpc->call('rpc.Config', ['not' => 'bytes'], Frame::CODEC_RAW);
    }

    public function testCreateReadsRrRpcWithTheRoadRunnerDefault(): void
    {
        putenv('RR_RPC');
        self::assertSame('tcp://127.0.0.1:6001', Environment::rpcAddress());
        putenv('RR_RPC=unix:///tmp/x.sock');
        self::assertSame('unix:///tmp/x.sock', Environment::rpcAddress());
        self::assertInstanceOf(RPC::class, RPC::create()); // connects lazily: nothing listens there
    }

    private function reply(int $seq, string $method, string $body, int $flags = Frame::CODEC_JSON): void
    {
        $this->server->send($flags, $method . $body, [$seq, strlen($method)]);
    }

    /** The sequence number the next call will use (the counter is process-wide). */
    private static function nextSeq(): int
    {
        return (int) (new \ReflectionProperty(RPC::class, 'seq'))->getValue() + 1;
    }
}
