<?php

namespace App\Exceptions;

use Illuminate\Auth\Access\AuthorizationException;
use Illuminate\Database\Eloquent\ModelNotFoundException;
use Illuminate\Validation\ValidationException;
use Laravel\Lumen\Exceptions\Handler as ExceptionHandler;
use Symfony\Component\Console\Output\ConsoleOutputInterface;
use Symfony\Component\HttpKernel\Exception\HttpException;
use Throwable;

class Handler extends ExceptionHandler
{
    /**
     * Exceptions that are not logged. As in the Lumen skeleton: a 404 or a
     * validation failure is not worth a write to storage/logs.
     *
     * @var array
     */
    protected $dontReport = [
        AuthorizationException::class,
        HttpException::class,
        ModelNotFoundException::class,
        ValidationException::class,
    ];

    /**
     * Console rendering goes to stderr, never stdout: under Courser (and
     * RoadRunner) stdout is the worker's frame relay, and Lumen renders an
     * uncaught fatal error "for the console" because PHP_SAPI is cli.
     */
    public function renderForConsole($output, Throwable $e)
    {
        if ($output instanceof ConsoleOutputInterface) {
            $output = $output->getErrorOutput();
        }

        parent::renderForConsole($output, $e);
    }
}
