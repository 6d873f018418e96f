<?php

/*
|--------------------------------------------------------------------------
| Courser worker for the Lumen example
|--------------------------------------------------------------------------
|
| Started by Courser as `php worker.php` (see .rr.yaml), with this directory
| as the working directory. Boots the Lumen application once, then serves
| requests in a loop:
|
|   Courser\Http\Request ──► Illuminate\Http\Request   (no PSR-7 round trip)
|         $app->dispatch()
|   Symfony Response     ──► $http->respond($status, $body, $headers)
|
| and resets the per-request state Lumen keeps in the container between two
| requests. Nothing may be written to stdout: it carries the frames.
|
*/

declare(strict_types=1);

use Courser\Exception\RelayException;
use Courser\Http\HttpWorker;
use Courser\Http\Request as CourserRequest;
use Courser\Worker;
use Illuminate\Http\Request;
use Illuminate\Http\UploadedFile;
use Illuminate\Support\Facades\Facade;
use Laravel\Lumen\Application;
use Psr\Http\Message\ResponseInterface;
use Psr\Http\Message\ServerRequestInterface;
use Symfony\Component\HttpFoundation\Response;
use Symfony\Component\HttpFoundation\StreamedResponse;
use Courser\Payload;

require __DIR__.'/../../php/autoload.php';

// First, so that anything echoed while booting goes to stderr, not the relay.
$http = new HttpWorker(Worker::create());

/** @var Application $app */
$app = require __DIR__.'/bootstrap/app.php';

$bridge = new LumenBridge($app, __DIR__.'/public');

while (true) {
    try {
        $request = $http->waitRequest();
    } catch (RelayException $e) {
        fwrite(STDERR, 'worker: relay closed: '.$e->getMessage()."\n");
        exit(1); // the server is gone
    } catch (Throwable $e) {
        // A request frame arrived but could not be decoded: the server still
        // waits for an answer to it.
        $http->getWorker()->error((string) $e);
        continue;
    }

    if ($request === null) {
        break; // stop requested by the server
    }

    $responded = false;
    $response = null;
    try {
        $response = $app->dispatch($bridge->toIlluminate($request));
        if ($response instanceof StreamedResponse) {
            $responded = true; // frames go out as the app flushes; errors can no longer become a 500
            $bridge->stream($http, $response);
        } else {
            [$status, $body, $headers] = $bridge->fromSymfony($response);
            $http->respond($status, $body, $headers);
            $responded = true;
        }

        $bridge->terminate($response);
    } catch (Throwable $e) {
        if (! $responded) {
            $http->getWorker()->error((string) $e);
        } else {
            // The answer is already out; a terminable middleware failed.
            fwrite(STDERR, 'terminate: '.$e."\n");
        }
    } finally {
        $response = null;
        $bridge->reset();
    }
}

/**
 * Converts between Courser's request/response and Lumen's, and resets the
 * application between requests.
 */
final class LumenBridge
{
    /** @var array<string, mixed> the server variables every request starts from */
    private array $baseServer;

    /** Lumen state that lives in protected properties, reached through bound closures. */
    private Closure $clearCurrentRoute;
    private Closure $terminableMiddleware;

    public function __construct(private Application $app, string $publicDir)
    {
        // Like php-fpm behind nginx: the front controller is /index.php in the
        // document root (Symfony derives the base URL and path info from
        // these), and, as with fpm's clear_env, the worker's environment is
        // not copied into every request: env() and $_SERVER still see it.
        $this->baseServer = [
            'DOCUMENT_ROOT' => $publicDir,
            'SCRIPT_FILENAME' => $publicDir.'/index.php',
            'SCRIPT_NAME' => '/index.php',
            'PHP_SELF' => '/index.php',
            'GATEWAY_INTERFACE' => 'CGI/1.1',
            'SERVER_SOFTWARE' => 'Courser',
        ];

        // Lumen builds its FastRoute dispatcher (compiling every route regex)
        // on each dispatch() unless one is set; the routes are fixed once the
        // worker has booted, so build it once.
        $app->setDispatcher((fn () => $this->createDispatcher())->call($app));

        $this->clearCurrentRoute = Closure::bind(function (): void {
            $this->currentRoute = null; // a 404 would not overwrite the last match
        }, $app, Application::class);

        $this->terminableMiddleware = Closure::bind(function ($response): void {
            if (count($this->middleware) > 0) {
                $this->callTerminableMiddleware($response);
            }
        }, $app, Application::class);
    }

    public function toIlluminate(CourserRequest $r): Request
    {
        [$scheme, $authority, $host, $port, $requestUri] = self::splitUri($r->uri);

        $server = $this->baseServer;
        $server['REQUEST_TIME_FLOAT'] = $now = microtime(true);
        $server['REQUEST_TIME'] = (int) $now;
        $server['SERVER_PROTOCOL'] = $r->protocol;
        $server['REQUEST_METHOD'] = $r->method;
        $server['REQUEST_URI'] = $requestUri;
        $server['QUERY_STRING'] = $r->rawQuery;
        $server['REQUEST_SCHEME'] = $scheme;
        if ($scheme === 'https') {
            $server['HTTPS'] = 'on';
        }
        $server['SERVER_NAME'] = $host;
        $server['SERVER_PORT'] = $port;

        $server['REMOTE_ADDR'] = $r->getRemoteAddr(); // honours the ipAddress attribute

        foreach ($r->headers as $name => $values) {
            $key = strtoupper(strtr((string) $name, '-', '_'));
            if ($key !== 'CONTENT_TYPE' && $key !== 'CONTENT_LENGTH') {
                $key = 'HTTP_'.$key;
            }
            $server[$key] = implode($key === 'HTTP_COOKIE' ? '; ' : ', ', (array) $values);
        }
        if ($authority !== '') {
            $server['HTTP_HOST'] = $authority; // the Host header lives in the uri
        }

        $post = [];
        $content = $r->body;
        if ($r->parsed) {
            $post = $r->getParsedBody() ?? [];
            // The server sent the fields, not the raw body. Rebuild it for a
            // urlencoded form (getContent()); multipart has none, as under fpm.
            $content = str_contains(strtolower($server['CONTENT_TYPE'] ?? ''), 'multipart/')
                ? ''
                : http_build_query($post, '', '&');
        }

        $files = $r->uploads ? self::uploads($r->uploads) : [];

        $request = new Request($r->query, $post, $r->attributes, $r->cookies, $files, $server, $content);

        // What Request::createFromBase() (Lumen's capture path) does: the input
        // source is the JSON body for JSON requests, the query for GET/HEAD.
        if ($request->isJson()) {
            $request->request = $request->json();
        } elseif ($r->method === 'GET' || $r->method === 'HEAD') {
            $request->request = $request->query;
        }

        return $request;
    }

    /**
     * @return array{0: int, 1: string, 2: array<string, list<string>>}
     */
    public function fromSymfony(Response $response): array
    {
        $headers = $response->headers->allPreserveCaseWithoutCookies();
        foreach ($response->headers->getCookies() as $cookie) {
            $headers['Set-Cookie'][] = (string) $cookie;
        }

        $content = $response->getContent();
        if ($content === false) {
            // BinaryFileResponse, StreamedResponse: capture what they send.
            $level = ob_get_level();
            ob_start();
            try {
                $response->sendContent();
                $content = (string) ob_get_contents();
            } finally {
                while (ob_get_level() > $level) {
                    ob_end_clean();
                }
            }
        }

        return [$response->getStatusCode(), $content, $headers];
    }

    /**
     * Streams a StreamedResponse: everything the callback prints goes out as a frame each time it
     * flushes (or every 8 KiB), so SSE and long downloads reach the client as they are produced.
     * After the client went away (STOP) the rest of the output is discarded.
     */
    public function stream(HttpWorker $http, StreamedResponse $response): void
    {
        $headers = $response->headers->allPreserveCaseWithoutCookies();
        foreach ($response->headers->getCookies() as $cookie) {
            $headers['Set-Cookie'][] = (string) $cookie;
        }
        $header = HttpWorker::encodeContext($response->getStatusCode(), $headers);
        $stream = $http->getWorker()->openStream();
        $level = ob_get_level();
        ob_start(static function (string $buffer) use ($stream, &$header): string {
            if ($buffer !== '' && !$stream->isStopped()) {
                $stream->send(new Payload($buffer, $header));
                $header = '';
            }
            return '';
        }, 8192);
        try {
            $response->sendContent();
        } finally {
            while (ob_get_level() > $level) {
                ob_end_flush();
            }
            // Nothing printed: the status and headers still have to go out, on the last frame.
            $stream->end(new Payload('', $header));
        }
    }

    /** Terminable middleware (Lumen's handle() does this before sending; we do it after). */
    public function terminate(Response $response): void
    {
        ($this->terminableMiddleware)($response);

        $app = $this->app;
        if (method_exists($app, 'terminate')) {
            $app->terminate(); // Laravel's terminating callbacks; Lumen 8 has none
        }
    }

    /** Forget everything that belongs to the request just served. */
    public function reset(): void
    {
        $app = $this->app;

        $app->forgetInstance(Request::class);
        $app->forgetInstance('request');
        // Lazily built from the request once, then cached as singletons.
        $app->forgetInstance(ServerRequestInterface::class);
        $app->forgetInstance(ResponseInterface::class);
        // Lumen's UrlGenerator caches the request's root and scheme.
        $app->forgetInstance('url');

        if ($app->resolved('auth')) {
            $app->make('auth')->forgetGuards(); // guards cache the request and user
            $app->forgetInstance('auth.driver');
        }

        ($this->clearCurrentRoute)();

        if (class_exists(Facade::class, false) && Facade::getFacadeApplication() !== null) {
            Facade::clearResolvedInstances();
        }
    }

    /**
     * Split an absolute (or origin-form) request URI.
     *
     * @return array{0: string, 1: string, 2: string, 3: int, 4: string}
     *               scheme, authority (host[:port]), host, port, path?query
     */
    public static function splitUri(string $uri): array
    {
        $scheme = 'http';
        $authority = '';
        $rest = $uri;

        if ($uri === '' || $uri[0] !== '/') {
            $colon = strpos($uri, '://');
            if ($colon !== false) {
                $scheme = strtolower(substr($uri, 0, $colon));
                $start = $colon + 3;
                $end = $start + strcspn($uri, '/?#', $start);
                $authority = substr($uri, $start, $end - $start);
                $rest = substr($uri, $end);
                if (($at = strrpos($authority, '@')) !== false) {
                    $authority = substr($authority, $at + 1);
                }
            }
        }

        if (($hash = strpos($rest, '#')) !== false) {
            $rest = substr($rest, 0, $hash);
        }
        if ($rest === '' || $rest[0] !== '/') {
            $rest = '/'.$rest;
        }

        $host = $authority;
        $port = null;
        if ($authority !== '' && $authority[0] === '[') { // [v6]:port
            $close = strpos($authority, ']');
            if ($close !== false) {
                $host = substr($authority, 1, $close - 1);
                if (($authority[$close + 1] ?? '') === ':') {
                    $port = substr($authority, $close + 2);
                }
            }
        } elseif (($c = strrpos($authority, ':')) !== false) {
            $host = substr($authority, 0, $c);
            $port = substr($authority, $c + 1);
        }

        $port = ($port !== null && $port !== '' && ctype_digit($port))
            ? (int) $port
            : ($scheme === 'https' ? 443 : 80);

        return [$scheme, $authority, $host, $port, $rest];
    }

    /**
     * Courser's upload tree ({name, mime, size, error, tmpName} leaves, nested
     * like the form field names) → Illuminate UploadedFile objects in test mode
     * (the temp files were written by the server, not by PHP's upload code).
     */
    private static function uploads(array $tree): array
    {
        $files = [];
        foreach ($tree as $key => $node) {
            if (! is_array($node)) {
                continue;
            }
            if (isset($node['tmpName']) && is_string($node['tmpName']) && array_key_exists('error', $node)
                && ! is_array($node['error'])) {
                $files[$key] = new UploadedFile(
                    $node['tmpName'],
                    (string) ($node['name'] ?? ''),
                    ($node['mime'] ?? '') !== '' ? (string) $node['mime'] : null,
                    (int) $node['error'],
                    true
                );
            } else {
                $files[$key] = self::uploads($node);
            }
        }

        return $files;
    }
}
