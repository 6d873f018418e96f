<?php

/** @var \Laravel\Lumen\Routing\Router $router */

$router->get('/', function () use ($router) {
    return $router->app->version();
});

$router->get('/hello/{name}', 'HelloController@show');

$router->post('/form', 'FormController@echo');

$router->post('/upload', 'UploadController@describe');

// 1 MiB of text: the large-response scenario of bench/ (npm run bench).
$router->get('/big', function () {
    return str_repeat('x', 1048576);
});

// Server-sent events: five ticks, each flushed to the client as it happens (a streamed response).
$router->get('/events', function () {
    return new Symfony\Component\HttpFoundation\StreamedResponse(function () {
        for ($i = 1; $i <= 5; $i++) {
            echo "id: $i\ndata: tick $i\n\n";
            if (ob_get_level() > 0) {
                ob_flush(); // hands the event to the server now (php-fpm needs flush() as well)
            }
            flush();
            usleep(100000);
        }
    }, 200, ['Content-Type' => 'text/event-stream', 'Cache-Control' => 'no-cache']);
});
