<?php

/*
|--------------------------------------------------------------------------
| Front controller for php -S and nginx + php-fpm
|--------------------------------------------------------------------------
|
| Boots the application and handles the request the classic way: one boot
| per request. Courser boots it once per worker instead (see ../worker.php).
|
*/

$app = require __DIR__.'/../bootstrap/app.php';

$app->run();
