<?php

declare(strict_types=1);

namespace Courser\Http;

use Courser\Worker;
use Psr\Http\Message\ResponseInterface;
use Psr\Http\Message\ServerRequestFactoryInterface;
use Psr\Http\Message\ServerRequestInterface;
use Psr\Http\Message\StreamFactoryInterface;
use Psr\Http\Message\StreamInterface;
use Psr\Http\Message\UploadedFileFactoryInterface;
use Psr\Http\Message\UploadedFileInterface;

/**
 * PSR-7 on top of HttpWorker, for frameworks that speak PSR-7/PSR-17 (spec §4.10).
 *
 * Needs psr/http-message and psr/http-factory implementations (e.g. nyholm/psr7); nothing here loads them.
 */
final class PSR7Worker
{
    private readonly HttpWorker $httpWorker;

    /** @var array<string, mixed> $_SERVER as it was at start, the base of every request's server params */
    private readonly array $originalServer;

    /**
     * @param int $chunkSize when > 0, response bodies larger than this are streamed in chunks of this size
     */
    public function __construct(
        Worker $worker,
        private readonly ServerRequestFactoryInterface $requestFactory,
        private readonly StreamFactoryInterface $streamFactory,
        private readonly UploadedFileFactoryInterface $uploadsFactory,
        private readonly int $chunkSize = 0,
    ) {
        $this->httpWorker = new HttpWorker($worker);
        // HTTP_* entries in the process environment (e.g. HTTP_PROXY, the "httpoxy" problem) must not
        // masquerade as request headers, so they are dropped from the base.
        $this->originalServer = array_filter(
            $_SERVER,
            static fn (int|string $key): bool => !str_starts_with((string) $key, 'HTTP_'),
            ARRAY_FILTER_USE_KEY,
        );
    }

    public function getWorker(): Worker
    {
        return $this->httpWorker->getWorker();
    }

    public function getHttpWorker(): HttpWorker
    {
        return $this->httpWorker;
    }

    /** @return ServerRequestInterface|null null when the server asks the worker to stop */
    public function waitRequest(): ?ServerRequestInterface
    {
        $request = $this->httpWorker->waitRequest();

        return $request === null ? null : $this->toServerRequest($request);
    }

    /** @return bool false when the server stopped a streamed response */
    public function respond(ResponseInterface $response): bool
    {
        $body = $response->getBody();
        $size = $body->getSize();
        $stream = $this->chunkSize > 0 && ($size === null || $size > $this->chunkSize);

        return $this->httpWorker->respond(
            $response->getStatusCode(),
            $stream ? $this->chunks($body) : (string) $body,
            $response->getHeaders(),
        );
    }

    public function toServerRequest(Request $request): ServerRequestInterface
    {
        $psr = $this->requestFactory
            ->createServerRequest($request->method, $request->uri, $this->serverParams($request))
            ->withProtocolVersion(self::protocolVersion($request->protocol))
            ->withCookieParams($request->cookies)
            ->withQueryParams($request->query)
            ->withUploadedFiles($this->uploadedFiles($request->uploads));

        foreach ($request->headers as $name => $values) {
            try {
                $psr = $psr->withHeader($name, $values);
            } catch (\InvalidArgumentException) {
                // A header the PSR-7 implementation considers invalid is skipped, not fatal.
            }
        }
        // Like RoadRunner: lets code tell a server-parsed form body from a decoded JSON body.
        $psr = $psr->withAttribute('rr_parsed_body', $request->parsed);
        foreach ($request->attributes as $name => $value) {
            $psr = $psr->withAttribute((string) $name, $value);
        }
        if ($request->parsed) {
            $psr = $psr->withParsedBody($request->getParsedBody());
        }
        if ($request->body !== '') {
            $psr = $psr->withBody($this->streamFactory->createStream($request->body));
        }

        return $psr;
    }

    /** @return array<string, mixed> */
    private function serverParams(Request $request): array
    {
        $now = microtime(true);
        $server = $this->originalServer;
        $server['REQUEST_URI'] = $request->uri; // the absolute URI, as RoadRunner sets it
        $server['REQUEST_METHOD'] = $request->method;
        $server['REQUEST_TIME'] = (int) $now;
        $server['REQUEST_TIME_FLOAT'] = $now;
        $server['REMOTE_ADDR'] = $request->getRemoteAddr();
        $server['SERVER_PROTOCOL'] = $request->protocol;
        $server['QUERY_STRING'] = $request->rawQuery;
        $server['HTTP_USER_AGENT'] = '';

        foreach ($request->headers as $name => $values) {
            $key = strtoupper(str_replace('-', '_', $name));
            $value = implode(', ', $values);
            if ($key === 'CONTENT_TYPE' || $key === 'CONTENT_LENGTH') {
                $server[$key] = $value; // CGI convention: no HTTP_ prefix for these two
            } else {
                $server['HTTP_' . $key] = $value;
            }
        }

        return $server;
    }

    /** `HTTP/2.0` → `2`; anything unknown falls back to `1.1`. */
    private static function protocolVersion(string $protocol): string
    {
        $version = substr($protocol, 5);

        return match ($version) {
            '1.0', '1.1' => $version,
            '2', '2.0' => '2',
            default => '1.1',
        };
    }

    /**
     * @param array<array-key, mixed> $tree
     *
     * @return array<array-key, mixed>
     */
    private function uploadedFiles(array $tree): array
    {
        $files = [];
        foreach ($tree as $key => $node) {
            if (!is_array($node)) {
                continue;
            }
            $files[$key] = self::isUploadLeaf($node) ? $this->uploadedFile($node) : $this->uploadedFiles($node);
        }

        return $files;
    }

    /** @param array<array-key, mixed> $node */
    private static function isUploadLeaf(array $node): bool
    {
        return array_key_exists('tmpName', $node) && array_key_exists('error', $node);
    }

    /** @param array<array-key, mixed> $leaf */
    private function uploadedFile(array $leaf): UploadedFileInterface
    {
        $error = (int) $leaf['error'];
        $stream = $error === UPLOAD_ERR_OK
            ? $this->streamFactory->createStreamFromFile((string) $leaf['tmpName'], 'rb')
            : $this->streamFactory->createStream('');

        return $this->uploadsFactory->createUploadedFile(
            $stream,
            isset($leaf['size']) ? (int) $leaf['size'] : null,
            $error,
            isset($leaf['name']) ? (string) $leaf['name'] : null,
            isset($leaf['mime']) ? (string) $leaf['mime'] : null,
        );
    }

    /** @return \Generator<int, string, mixed, string> */
    private function chunks(StreamInterface $body): \Generator
    {
        if ($body->isSeekable()) {
            $body->rewind();
        }
        while (!$body->eof()) {
            $chunk = $body->read($this->chunkSize);
            if ($chunk === '') {
                break;
            }
            yield $chunk;
        }

        return '';
    }
}
