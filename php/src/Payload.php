<?php

declare(strict_types=1);

namespace Courser;

/**
 * The unit a worker executes: a context (called `header`, as in RoadRunner) plus a body.
 * On the wire it is one frame whose payload is header . body and whose single option is strlen(header).
 */
final class Payload
{
    public function __construct(
        public readonly string $body = '',
        public readonly string $header = '',
    ) {
    }

    public function isEmpty(): bool
    {
        return $this->body === '' && $this->header === '';
    }
}
