<?php

/*
 * The Courser ceiling (`courser-hello` in bench/): a worker that does no PHP work at all. It answers
 * every request with the status, headers and body Lumen sends for `GET /` (the body comes from
 * BENCH_BODY), so what is measured is Courser itself: HTTP, the pool, the protocol and the relay.
 */

declare(strict_types=1);

require __DIR__ . '/../../php/autoload.php';

use Courser\Http\HttpWorker;
use Courser\Worker;

$body = (string) getenv('BENCH_BODY');
$headers = ['Cache-Control' => 'no-cache, private', 'Content-Type' => 'text/html; charset=UTF-8'];
$http = new HttpWorker(Worker::create());
while ($http->waitRequest() !== null) {
    $http->respond(200, $body, $headers);
}
