<?php

declare(strict_types=1);

namespace Courser\Http;

use Courser\Exception\ProtocolException;
use Courser\Payload;

/**
 * An HTTP request as the server sends it: RoadRunner's JSON context (spec §4.2) plus the body.
 *
 * Context keys: remoteAddr, protocol, method, uri, rawQuery, parsed (required), headers, cookies,
 * uploads, attributes (optional, may be null).
 */
final class Request
{
    /**
     * @param array<string, list<string>> $headers    canonical name => values
     * @param array<string, string>       $cookies
     * @param array<array-key, mixed>     $query      parse_str() of $rawQuery
     * @param array<array-key, mixed>     $uploads    upload tree, leaves {name, mime, size, error, tmpName}
     * @param array<string, mixed>        $attributes set by server middleware
     */
    public function __construct(
        public readonly string $remoteAddr,
        public readonly string $protocol,
        public readonly string $method,
        public readonly string $uri,
        public readonly array $headers = [],
        public readonly array $cookies = [],
        public readonly array $query = [],
        public readonly string $rawQuery = '',
        public readonly string $body = '',
        public readonly bool $parsed = false,
        public readonly array $uploads = [],
        public readonly array $attributes = [],
    ) {
    }

    /**
     * @throws ProtocolException when the context is not the JSON object described above
     */
    public static function fromPayload(Payload $payload): self
    {
        try {
            $context = json_decode($payload->header, true, 512, JSON_THROW_ON_ERROR);
        } catch (\JsonException $e) {
            throw new ProtocolException(
                'The request context is not JSON (' . $e->getMessage() . '); only the JSON context format is supported',
                0,
                $e,
            );
        }
        if (!is_array($context)) {
            throw new ProtocolException('The request context must be a JSON object');
        }
        foreach (['remoteAddr', 'protocol', 'method', 'uri', 'rawQuery', 'parsed'] as $key) {
            if (!array_key_exists($key, $context)) {
                throw new ProtocolException("The request context lacks the required key '$key'");
            }
        }
        $rawQuery = (string) $context['rawQuery'];
        parse_str($rawQuery, $query);

        return new self(
            remoteAddr: (string) $context['remoteAddr'],
            protocol: (string) $context['protocol'],
            method: (string) $context['method'],
            uri: (string) $context['uri'],
            headers: self::headers($context['headers'] ?? null),
            cookies: self::cookies($context['cookies'] ?? null),
            query: $query,
            rawQuery: $rawQuery,
            body: $payload->body,
            parsed: (bool) $context['parsed'],
            uploads: is_array($context['uploads'] ?? null) ? $context['uploads'] : [],
            attributes: is_array($context['attributes'] ?? null) ? $context['attributes'] : [],
        );
    }

    /**
     * The decoded form data when the server parsed the body (form posts), else null.
     *
     * @return array<array-key, mixed>|null
     *
     * @throws \JsonException
     */
    public function getParsedBody(): ?array
    {
        if (!$this->parsed) {
            return null;
        }
        if ($this->body === '' || $this->body === '{}') {
            return [];
        }
        $data = json_decode($this->body, true, 512, JSON_THROW_ON_ERROR);

        return is_array($data) ? $data : [];
    }

    /** The client address; a proxy-aware server middleware may have put the real one in `ipAddress`. */
    public function getRemoteAddr(): string
    {
        $ip = $this->attributes['ipAddress'] ?? null;
        if (is_array($ip)) {
            $ip = $ip[0] ?? null; // attributes may arrive as name => [values]
        }

        return is_string($ip) && $ip !== '' ? $ip : $this->remoteAddr;
    }

    /** First value of a header, case-insensitively. */
    public function getHeaderLine(string $name): string
    {
        foreach ($this->headers as $key => $values) {
            if (strcasecmp($key, $name) === 0) {
                return implode(', ', $values);
            }
        }

        return '';
    }

    /** @return array<string, list<string>> */
    private static function headers(mixed $headers): array
    {
        if (!is_array($headers)) {
            return [];
        }
        $result = [];
        foreach ($headers as $name => $values) {
            // Numeric names arrive as int keys and empty names are not headers; drop both.
            if (!is_string($name) || $name === '') {
                continue;
            }
            $list = [];
            foreach (is_array($values) ? $values : [$values] as $value) {
                if (is_scalar($value)) {
                    $list[] = (string) $value;
                }
            }
            $result[$name] = $list;
        }

        return $result;
    }

    /** @return array<string, string> */
    private static function cookies(mixed $cookies): array
    {
        $result = [];
        foreach (is_array($cookies) ? $cookies : [] as $name => $value) {
            if (is_scalar($value)) {
                $result[(string) $name] = (string) $value;
            }
        }

        return $result;
    }
}
