<?php

declare(strict_types=1);

namespace Courser\Http;

use Courser\Frame;
use Courser\Payload;
use Courser\Worker;

/**
 * HTTP on top of Worker: decodes request contexts, encodes `{"status","headers"}` response contexts (spec §4.7).
 *
 *     $http = new HttpWorker(Worker::create());
 *     while ($request = $http->waitRequest()) {
 *         $http->respond(200, 'Hello ' . $request->uri, ['Content-Type' => 'text/plain']);
 *     }
 */
final class HttpWorker
{
    public function __construct(private readonly Worker $worker)
    {
    }

    public function getWorker(): Worker
    {
        return $this->worker;
    }

    /** @return Request|null null when the server asks the worker to stop */
    public function waitRequest(): ?Request
    {
        $payload = $this->worker->waitPayload();

        return $payload === null ? null : Request::fromPayload($payload);
    }

    /**
     * @param string|\Generator<mixed, string, mixed, string|null> $body a Generator streams its yields
     *        (status and headers go on the first frame; its return value is the last chunk)
     * @param array<string, string|int|float|bool|array<string|int|float|bool>> $headers name => value(s)
     *
     * @return bool false when the server stopped a streamed response (the client went away)
     */
    public function respond(int $status, string|\Generator $body = '', array $headers = []): bool
    {
        if ($status < 200 && $status >= 100 && $body !== '') {
            throw new \InvalidArgumentException("A $status response cannot carry a body");
        }
        $context = self::encodeContext($status, $headers);
        if (is_string($body)) {
            $this->worker->respond(new Payload($body, $context), Frame::CODEC_JSON);

            return true;
        }

        // Only the first frame carries the context; the server applies status and headers once.
        $header = $context;

        return $this->worker->openStream(Frame::CODEC_JSON)->sendAll(
            $body,
            static function (mixed $chunk) use (&$header): Payload {
                $payload = new Payload((string) $chunk, $header);
                $header = '';

                return $payload;
            },
        );
    }

    /**
     * Sends 103 Early Hints (e.g. Link: </app.css>; rel=preload) before the real response: a STREAM
     * frame with status 103 and no body; the server forwards it as an interim response.
     *
     * @param array<string, string|array<string>> $headers
     */
    public function sendEarlyHints(array $headers): void
    {
        $this->worker->getRelay()->send(
            Frame::pack(Frame::CODEC_JSON, $context = self::encodeContext(103, $headers), [strlen($context)], Frame::STREAM),
        );
    }

    /** @param array<array-key, mixed> $headers */
    public static function encodeContext(int $status, array $headers): string
    {
        $normalized = [];
        foreach ($headers as $name => $values) {
            $name = (string) $name;
            if ($name === '') {
                continue;
            }
            $list = [];
            foreach (is_array($values) ? $values : [$values] as $value) {
                if (is_scalar($value)) {
                    $list[] = is_bool($value) ? ($value ? '1' : '0') : (string) $value;
                }
            }
            $normalized[$name] = $list;
        }

        // (object) keeps `{}` for no headers (the server expects an object, never `[]`) and keeps
        // numeric-looking names as object keys. Invalid UTF-8 is replaced rather than failing the
        // whole response.
        return json_encode(
            ['status' => $status, 'headers' => (object) $normalized],
            JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE,
        );
    }
}
