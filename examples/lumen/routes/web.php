<?php

/** @var \Laravel\Lumen\Routing\Router $router */

$router->get('/', function () use ($router) {
    return $router->app->version();
});

$router->get('/hello/{name}', 'HelloController@show');

$router->post('/form', 'FormController@echo');

$router->post('/upload', 'UploadController@describe');
