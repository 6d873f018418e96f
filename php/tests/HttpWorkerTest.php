<?php

declare(strict_types=1);

namespace Courser\Tests;

use Courser\Exception\ProtocolException;
use Courser\Exception\StreamStoppedException;
use Courser\Frame;
use Courser\Http\HttpWorker;
use Courser\Http\Request;
use Courser\Payload;
use Courser\Tests\Support\ServerEnd;
use PHPUnit\Framework\TestCase;

final class HttpWorkerTest extends TestCase
{
    /** Spec §4.2 example: urlencoded POST, parsed by the server. */
    public const FORM_CONTEXT = '{"remoteAddr":"127.0.0.1","protocol":"HTTP/1.1","method":"POST","uri":"http://localhost:8080/form?x=1&y[]=2",'
        . '"headers":{"Content-Type":["application/x-www-form-urlencoded"],"Content-Length":["15"],"Accept":["text/html","*/*"]},'
        . '"cookies":{"session":"abc def"},"rawQuery":"x=1&y[]=2","parsed":true,"uploads":null,"attributes":{}}';

    private ServerEnd $server;
    private HttpWorker $http;

    protected function setUp(): void
    {
        $this->server = ServerEnd::pair();
        $this->http = new HttpWorker($this->server->worker());
    }

    protected function tearDown(): void
    {
        $this->server->close();
    }

    public function testDecodesTheJsonContext(): void
    {
        $this->server->sendRequest(self::FORM_CONTEXT, '{"a":"1","b":["2","3"]}');
        $request = $this->http->waitRequest();

        self::assertInstanceOf(Request::class, $request);
        self::assertSame('127.0.0.1', $request->remoteAddr);
        self::assertSame('HTTP/1.1', $request->protocol);
        self::assertSame('POST', $request->method);
        self::assertSame('http://localhost:8080/form?x=1&y[]=2', $request->uri);
        self::assertSame(['Content-Type' => ['application/x-www-form-urlencoded'], 'Content-Length' => ['15'], 'Accept' => ['text/html', '*/*']], $request->headers);
        self::assertSame(['session' => 'abc def'], $request->cookies);
        self::assertSame('x=1&y[]=2', $request->rawQuery);
        self::assertSame(['x' => '1', 'y' => ['2']], $request->query);
        self::assertTrue($request->parsed);
        self::assertSame(['a' => '1', 'b' => ['2', '3']], $request->getParsedBody());
        self::assertSame([], $request->uploads);
        self::assertSame([], $request->attributes);
        self::assertSame('text/html, */*', $request->getHeaderLine('accept'));
        self::assertSame('127.0.0.1', $request->getRemoteAddr());
    }

    public function testOptionalKeysMayBeNullOrMissing(): void
    {
        $this->server->sendRequest(
            '{"remoteAddr":"::1","protocol":"HTTP/2.0","method":"GET","uri":"https://h/","rawQuery":"","parsed":false,"headers":null,"cookies":null,"uploads":null,"attributes":null}',
        );
        $request = $this->http->waitRequest();
        self::assertSame([[], [], [], [], []], [$request->headers, $request->cookies, $request->query, $request->uploads, $request->attributes]);
        self::assertNull($request->getParsedBody(), 'not parsed');
        self::assertSame('', $request->body);
    }

    public function testHeaderFiltering(): void
    {
        $this->server->sendRequest(
            '{"remoteAddr":"","protocol":"HTTP/1.1","method":"GET","uri":"/","rawQuery":"","parsed":false,"headers":{"123":["numeric"],"":["empty"],"X-One":"scalar","X-Many":["a",1,null]}}',
        );
        self::assertSame(['X-One' => ['scalar'], 'X-Many' => ['a', '1']], $this->http->waitRequest()->headers);
    }

    /** @return iterable<string, array{string, array<mixed>}> */
    public static function parsedBodies(): iterable
    {
        yield 'empty body (RR >= 2024.1)' => ['', []];
        yield 'empty object (RR <= 2023.3)' => ['{}', []];
        yield 'tree' => ['{"a":{"0":"1"}}', ['a' => ['1']]];
    }

    /** @dataProvider parsedBodies */
    public function testGetParsedBody(string $body, array $expected): void
    {
        $request = new Request('', 'HTTP/1.1', 'POST', '/', body: $body, parsed: true);
        self::assertSame($expected, $request->getParsedBody());
    }

    public function testRemoteAddrPrefersIpAddressAttribute(): void
    {
        self::assertSame('10.0.0.9', (new Request('127.0.0.1', '', '', '', attributes: ['ipAddress' => '10.0.0.9']))->getRemoteAddr());
        self::assertSame('10.0.0.8', (new Request('127.0.0.1', '', '', '', attributes: ['ipAddress' => ['10.0.0.8']]))->getRemoteAddr());
    }

    public function testStopReturnsNull(): void
    {
        $this->server->sendStopControl();
        self::assertNull($this->http->waitRequest());
    }

    public function testRejectsNonJsonContext(): void
    {
        $this->server->sendRequest(hex2bin('0a093132372e302e302e31'), '', Frame::CODEC_PROTO); // a proto context
        $this->expectException(ProtocolException::class);
        $this->expectExceptionMessage('only the JSON context format is supported');
        $this->http->waitRequest();
    }

    public function testRejectsMissingRequiredKey(): void
    {
        $this->server->sendRequest('{"remoteAddr":"","protocol":"HTTP/1.1","method":"GET","uri":"/","parsed":false}');
        $this->expectException(ProtocolException::class);
        $this->expectExceptionMessage("'rawQuery'");
        $this->http->waitRequest();
    }

    public function testRespondWithoutHeadersSendsAnObject(): void
    {
        $this->http->respond(204);
        $frame = $this->server->read();
        self::assertSame(Frame::CODEC_JSON, $frame->flags);
        self::assertSame([strlen($frame->payload)], $frame->options, "body is empty");
        self::assertSame('{"status":204,"headers":{}}', $frame->payload);
    }

    public function testRespondNormalizesHeaders(): void
    {
        $this->http->respond(200, 'hello', [
            'Content-Type' => 'text/plain',
            'Set-Cookie' => ['a=1', 'b=2'],
            'X-Count' => 3,
            'X-Flag' => true,
            '404' => 'numeric name',
        ]);
        $frame = $this->server->read();
        $context = substr($frame->payload, 0, $frame->options[0]);
        self::assertSame('hello', substr($frame->payload, $frame->options[0]));
        self::assertSame(
            '{"status":200,"headers":{"Content-Type":["text/plain"],"Set-Cookie":["a=1","b=2"],"X-Count":["3"],"X-Flag":["1"],"404":["numeric name"]}}',
            $context,
        );
    }

    public function testRespondKeepsUtf8AndSlashes(): void
    {
        self::assertSame('{"status":302,"headers":{"Location":["/ünï"]}}', HttpWorker::encodeContext(302, ['Location' => '/ünï']));
    }

    public function testInformationalStatusCannotHaveABody(): void
    {
        $this->expectException(\InvalidArgumentException::class);
        $this->http->respond(103, 'body');
    }

    public function testGeneratorBodyStreamsWithContextOnTheFirstFrameOnly(): void
    {
        $body = static function (): \Generator {
            yield 'a';
            yield 'b';

            return 'c';
        };
        self::assertTrue($this->http->respond(200, $body(), ['Content-Type' => 'text/event-stream']));

        $first = $this->server->read();
        $context = '{"status":200,"headers":{"Content-Type":["text/event-stream"]}}';
        self::assertSame([Frame::CODEC_JSON, Frame::STREAM, [strlen($context)], $context . 'a'], [$first->flags, $first->stream, $first->options, $first->payload]);
        $second = $this->server->read();
        self::assertSame([Frame::STREAM, [0], 'b'], [$second->stream, $second->options, $second->payload]);
        $last = $this->server->read();
        self::assertSame([Frame::CODEC_JSON, 0, [0], 'c'], [$last->flags, $last->stream, $last->options, $last->payload]);
    }

    public function testEmptyGeneratorPutsTheContextOnTheOnlyFrame(): void
    {
        $body = static function (): \Generator {
            yield from [];
        };
        $this->http->respond(201, $body());
        $frame = $this->server->read();
        self::assertSame([0, '{"status":201,"headers":{}}'], [$frame->stream, $frame->payload]);
    }

    public function testStreamStoppedByServer(): void
    {
        $stopped = false;
        $body = function () use (&$stopped): \Generator {
            try {
                yield 'first';
                $this->server->read();
                $this->server->sendStreamStop();
                yield 'second';
            } catch (StreamStoppedException) {
                $stopped = true;
            }
        };
        self::assertFalse($this->http->respond(200, $body()));
        self::assertTrue($stopped);
        self::assertSame(bin2hex(Frame::pack(0, '', [0])), bin2hex($this->server->readRaw()));
    }

    public function testRequestResponseRoundTrip(): void
    {
        $this->server->sendPidRequest();
        $this->server->sendRequest(self::FORM_CONTEXT, '{}');
        $request = $this->http->waitRequest();
        $this->server->read(); // pid reply
        $this->http->respond(200, strtoupper($request->method));
        self::assertSame('{"status":200,"headers":{}}POST', $this->server->read()->payload);
        $this->http->getWorker()->respond(new Payload('raw'));
        self::assertSame('raw', $this->server->read()->payload);
    }
}
