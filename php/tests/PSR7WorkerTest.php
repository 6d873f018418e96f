<?php

declare(strict_types=1);

namespace Courser\Tests;

use Courser\Frame;
use Courser\Http\HttpWorker;
use Courser\Http\PSR7Worker;
use Courser\Tests\Support\ServerEnd;
use Courser\Worker;
use Nyholm\Psr7\Factory\Psr17Factory;
use Psr\Http\Message\UploadedFileInterface;
use PHPUnit\Framework\TestCase;

final class PSR7WorkerTest extends TestCase
{
    private ServerEnd $server;
    private Psr17Factory $factory;

    /** @var list<string> */
    private array $tempFiles = [];

    protected function setUp(): void
    {
        if (!class_exists(Psr17Factory::class)) {
            self::markTestSkipped('nyholm/psr7 is not installed');
        }
        $this->server = ServerEnd::pair();
        $this->factory = new Psr17Factory();
    }

    protected function tearDown(): void
    {
        $this->server->close();
        array_map('unlink', array_filter($this->tempFiles, 'file_exists'));
    }

    public function testGetters(): void
    {
        $worker = $this->server->worker();
        $psr7 = $this->psr7($worker);
        self::assertSame($worker, $psr7->getWorker());
        self::assertInstanceOf(HttpWorker::class, $psr7->getHttpWorker());
        self::assertSame($worker, $psr7->getHttpWorker()->getWorker());
    }

    public function testBuildsTheServerRequest(): void
    {
        $_SERVER['HTTP_PROXY'] = 'http://evil:3128'; // from the environment; must not look like a request header
        try {
            $psr7 = $this->psr7();
        } finally {
            unset($_SERVER['HTTP_PROXY']);
        }
        $this->server->sendRequest(json_encode([
            'remoteAddr' => '127.0.0.1',
            'protocol' => 'HTTP/2.0',
            'method' => 'POST',
            'uri' => 'http://localhost:8080/form?x=1&y[]=2',
            'headers' => ['Content-Type' => ['application/x-www-form-urlencoded'], 'Content-Length' => ['7'], 'X-Forwarded-For' => ['10.1.1.1', '10.2.2.2'], 'User-Agent' => ['curl/8']],
            'cookies' => ['session' => 'abc'],
            'rawQuery' => 'x=1&y[]=2',
            'parsed' => true,
            'uploads' => null,
            'attributes' => ['ipAddress' => '10.1.1.1', 'route' => 'form'],
        ]), '{"a":"1"}');

        $before = microtime(true);
        $request = $psr7->waitRequest();

        self::assertSame('POST', $request->getMethod());
        self::assertSame('http://localhost:8080/form?x=1&y%5B%5D=2', (string) $request->getUri());
        self::assertSame('2', $request->getProtocolVersion());
        self::assertSame(['localhost:8080'], $request->getHeader('Host'), 'from the URI');
        self::assertSame('10.1.1.1, 10.2.2.2', $request->getHeaderLine('x-forwarded-for'));
        self::assertSame(['session' => 'abc'], $request->getCookieParams());
        self::assertSame(['x' => '1', 'y' => ['2']], $request->getQueryParams());
        self::assertSame(['a' => '1'], $request->getParsedBody());
        self::assertSame('{"a":"1"}', (string) $request->getBody());
        self::assertSame('form', $request->getAttribute('route'));
        self::assertTrue($request->getAttribute('rr_parsed_body'));

        $server = $request->getServerParams();
        self::assertSame('http://localhost:8080/form?x=1&y[]=2', $server['REQUEST_URI']);
        self::assertSame('POST', $server['REQUEST_METHOD']);
        self::assertSame('10.1.1.1', $server['REMOTE_ADDR'], 'ipAddress attribute wins');
        self::assertSame('application/x-www-form-urlencoded', $server['CONTENT_TYPE']);
        self::assertSame('7', $server['CONTENT_LENGTH']);
        self::assertArrayNotHasKey('HTTP_CONTENT_TYPE', $server);
        self::assertSame('10.1.1.1, 10.2.2.2', $server['HTTP_X_FORWARDED_FOR']);
        self::assertSame('curl/8', $server['HTTP_USER_AGENT']);
        self::assertArrayNotHasKey('HTTP_PROXY', $server);
        self::assertSame('HTTP/2.0', $server['SERVER_PROTOCOL']);
        self::assertSame('x=1&y[]=2', $server['QUERY_STRING']);
        self::assertIsInt($server['REQUEST_TIME']);
        self::assertGreaterThanOrEqual($before, $server['REQUEST_TIME_FLOAT']);
        self::assertSame($_SERVER['argv'] ?? null, $server['argv'] ?? null, 'built on the original $_SERVER');
    }

    /** @return iterable<array{string, string}> */
    public static function protocols(): iterable
    {
        yield ['HTTP/1.0', '1.0'];
        yield ['HTTP/1.1', '1.1'];
        yield ['HTTP/2.0', '2'];
        yield ['HTTP/3.0', '1.1'];
        yield ['', '1.1'];
    }

    /** @dataProvider protocols */
    public function testProtocolVersion(string $protocol, string $expected): void
    {
        $this->server->sendRequest($this->context(['protocol' => $protocol]));
        self::assertSame($expected, $this->psr7()->waitRequest()->getProtocolVersion());
    }

    public function testRawBodyIsNotParsed(): void
    {
        $this->server->sendRequest($this->context(['method' => 'PUT', 'headers' => ['Content-Type' => ['application/json']]]), '{"json":true}');
        $request = $this->psr7()->waitRequest();
        self::assertNull($request->getParsedBody());
        self::assertSame('{"json":true}', (string) $request->getBody());
        self::assertFalse($request->getAttribute('rr_parsed_body'));
    }

    public function testUploadedFiles(): void
    {
        $tmp = tempnam(sys_get_temp_dir(), 'upload');
        $this->tempFiles[] = $tmp;
        file_put_contents($tmp, 'file content');
        $ok = ['name' => 'a.txt', 'mime' => 'text/plain', 'size' => 12, 'error' => 0, 'tmpName' => $tmp];
        $forbidden = ['name' => 'x.php', 'mime' => 'application/x-php', 'size' => 0, 'error' => 8, 'tmpName' => ''];
        $this->server->sendRequest($this->context([
            'method' => 'POST',
            'parsed' => true,
            'uploads' => ['file' => $ok, 'files' => [$ok, $forbidden], 'doc' => ['a' => $ok]],
        ]), '{"title":"t"}');

        $request = $this->psr7()->waitRequest();
        $files = $request->getUploadedFiles();

        self::assertInstanceOf(UploadedFileInterface::class, $files['file']);
        self::assertSame('a.txt', $files['file']->getClientFilename());
        self::assertSame('text/plain', $files['file']->getClientMediaType());
        self::assertSame(12, $files['file']->getSize());
        self::assertSame(UPLOAD_ERR_OK, $files['file']->getError());
        self::assertSame('file content', (string) $files['file']->getStream());
        self::assertCount(2, $files['files']);
        self::assertSame(UPLOAD_ERR_EXTENSION, $files['files'][1]->getError());
        self::assertSame('x.php', $files['files'][1]->getClientFilename());
        self::assertSame('file content', (string) $files['doc']['a']->getStream());
        self::assertSame(['title' => 't'], $request->getParsedBody());
    }

    public function testRespond(): void
    {
        $response = $this->factory->createResponse(404)
            ->withHeader('Content-Type', 'text/plain')
            ->withAddedHeader('Set-Cookie', 'a=1')
            ->withAddedHeader('Set-Cookie', 'b=2')
            ->withBody($this->factory->createStream('not found'));
        $this->psr7()->respond($response);

        $frame = $this->server->read();
        self::assertSame(Frame::CODEC_JSON, $frame->flags);
        self::assertSame(0, $frame->stream);
        self::assertSame('{"status":404,"headers":{"Content-Type":["text/plain"],"Set-Cookie":["a=1","b=2"]}}not found', $frame->payload);
    }

    public function testRespondStreamsLargeBodiesInChunks(): void
    {
        $psr7 = new PSR7Worker($this->server->worker(), $this->factory, $this->factory, $this->factory, 4);
        $body = $this->factory->createStream('0123456789');
        $body->read(3); // position must not matter
        self::assertTrue($psr7->respond($this->factory->createResponse(200)->withBody($body)));

        $payloads = [];
        do {
            $frame = $this->server->read();
            $payloads[] = [$frame->stream, substr($frame->payload, $frame->options[0])];
        } while ($frame->hasStreamBit(Frame::STREAM));
        self::assertSame([[Frame::STREAM, '0123'], [Frame::STREAM, '4567'], [Frame::STREAM, '89'], [0, '']], $payloads);
    }

    public function testSmallBodiesAreNotStreamed(): void
    {
        $psr7 = new PSR7Worker($this->server->worker(), $this->factory, $this->factory, $this->factory, 1024);
        $psr7->respond($this->factory->createResponse(200)->withBody($this->factory->createStream('small')));
        $frame = $this->server->read();
        self::assertSame([0, '{"status":200,"headers":{}}small'], [$frame->stream, $frame->payload]);
    }

    public function testStopReturnsNull(): void
    {
        $this->server->sendStopControl();
        self::assertNull($this->psr7()->waitRequest());
    }

    private function psr7(?Worker $worker = null): PSR7Worker
    {
        return new PSR7Worker($worker ?? $this->server->worker(), $this->factory, $this->factory, $this->factory);
    }

    /** @param array<string, mixed> $overrides */
    private function context(array $overrides = []): string
    {
        return json_encode($overrides + [
            'remoteAddr' => '127.0.0.1',
            'protocol' => 'HTTP/1.1',
            'method' => 'GET',
            'uri' => 'http://localhost/',
            'headers' => [],
            'cookies' => [],
            'rawQuery' => '',
            'parsed' => false,
            'uploads' => null,
            'attributes' => [],
        ], JSON_THROW_ON_ERROR);
    }
}
