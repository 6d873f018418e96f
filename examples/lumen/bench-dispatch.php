<?php

/*
|--------------------------------------------------------------------------
| Dispatch ceiling: how many requests one warm PHP process can route
|--------------------------------------------------------------------------
|
|   php bench-dispatch.php [seconds per route, default 3]
|
| Boots the app once, then for each route builds a fresh Illuminate request
| (the same kind of $server array worker.php builds), calls $app->dispatch(),
| reads the body, and forgets the request, in a tight loop. No I/O, no
| protocol: this is the upper bound for one Courser worker on this route.
|
| Two passes: stock Lumen, which rebuilds its FastRoute dispatcher on every
| dispatch(), then with the dispatcher built once, as worker.php does.
|
*/

declare(strict_types=1);

use Illuminate\Http\Request;

$app = require __DIR__.'/bootstrap/app.php';

$seconds = (float) ($argv[1] ?? 3);

$base = [
    'DOCUMENT_ROOT' => __DIR__.'/public',
    'SCRIPT_FILENAME' => __DIR__.'/public/index.php',
    'SCRIPT_NAME' => '/index.php',
    'PHP_SELF' => '/index.php',
    'SERVER_PROTOCOL' => 'HTTP/1.1',
    'SERVER_NAME' => 'localhost',
    'SERVER_PORT' => 8880,
    'HTTP_HOST' => 'localhost:8880',
    'HTTP_ACCEPT' => '*/*',
    'HTTP_USER_AGENT' => 'bench-dispatch',
    'REMOTE_ADDR' => '127.0.0.1',
    'REQUEST_METHOD' => 'GET',
    'QUERY_STRING' => '',
];

$once = static function (string $uri) use ($app, $base): string {
    $server = $base;
    $server['REQUEST_URI'] = $uri;
    $server['REQUEST_TIME_FLOAT'] = $now = microtime(true);
    $server['REQUEST_TIME'] = (int) $now;

    $response = $app->dispatch(new Request([], [], [], [], [], $server, ''));
    $body = (string) $response->getContent();

    $app->forgetInstance(Request::class);

    return $body;
};

$routes = [
    '/' => 'Lumen (8.3.4) (Laravel Components ^8.0)',
    '/hello/bob' => '{"hello":"bob"}',
];

printf("PHP %s, opcache %s, JIT %s; %.1f s per route\n",
    PHP_VERSION,
    ini_get('opcache.enable_cli') ? 'on' : 'off',
    (function_exists('opcache_get_status') && (opcache_get_status(false)['jit']['on'] ?? false)) ? 'on' : 'off',
    $seconds
);

$run = static function (string $uri, string $expected) use ($once, $seconds): void {
    $got = $once($uri);
    if ($got !== $expected) {
        fwrite(STDERR, "GET $uri returned ".var_export($got, true).', expected '.var_export($expected, true)."\n");
        exit(1);
    }

    for ($i = 0; $i < 2000; $i++) { // warm-up
        $once($uri);
    }

    $n = 0;
    $start = hrtime(true);
    $deadline = $start + (int) ($seconds * 1e9);
    do {
        for ($i = 0; $i < 500; $i++) {
            $once($uri);
        }
        $n += 500;
        $now = hrtime(true);
    } while ($now < $deadline);

    $elapsed = ($now - $start) / 1e9;
    printf("  GET %-12s %9.0f req/s  (%d dispatches in %.2f s, %.1f µs each)\n",
        $uri, $n / $elapsed, $n, $elapsed, $elapsed / $n * 1e6);
};

echo "stock Lumen (FastRoute dispatcher rebuilt by every dispatch()):\n";
foreach ($routes as $uri => $expected) {
    $run($uri, $expected);
}

echo "as worker.php (dispatcher built once with \$app->setDispatcher()):\n";
$app->setDispatcher((fn () => $this->createDispatcher())->call($app));
foreach ($routes as $uri => $expected) {
    $run($uri, $expected);
}

printf("peak memory %.1f MiB\n", memory_get_peak_usage() / 1048576);
