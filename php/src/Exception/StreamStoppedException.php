<?php

declare(strict_types=1);

namespace Courser\Exception;

/**
 * Thrown into a response generator when the server cancels the stream (the HTTP client went away).
 * Catch it inside the generator (or use `finally`) to release resources early.
 */
final class StreamStoppedException extends \RuntimeException implements CourserException
{
    public function __construct(string $message = 'The server stopped the response stream')
    {
        parent::__construct($message);
    }
}
