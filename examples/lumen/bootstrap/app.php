<?php

/*
|--------------------------------------------------------------------------
| Create the application
|--------------------------------------------------------------------------
|
| Shared by public/index.php (php -S, nginx + php-fpm: booted on every
| request), worker.php (Courser: booted once per worker process) and
| bench-dispatch.php. Returns the Laravel\Lumen\Application.
|
*/

$basePath = dirname(__DIR__);

if (is_file($basePath.'/vendor/autoload.php')) {
    // A Composer install (`composer install` next to composer.json).
    require_once $basePath.'/vendor/autoload.php';
} else {
    // Debian's php-laravel-lumen-framework: its autoloader pulls in the
    // Illuminate, Symfony, FastRoute, Dotenv… autoloaders from /usr/share/php.
    require_once 'Laravel/Lumen/autoload.php';

    // PSR-4 for the application's own classes (Composer does this from composer.json).
    spl_autoload_register(static function (string $class) use ($basePath): void {
        if (strncmp($class, 'App\\', 4) === 0) {
            $file = $basePath.'/app/'.str_replace('\\', '/', substr($class, 4)).'.php';
            if (is_file($file)) {
                require $file;
            }
        }
    });
}

(new Laravel\Lumen\Bootstrap\LoadEnvironmentVariables($basePath))->bootstrap();

date_default_timezone_set(env('APP_TIMEZONE', 'UTC'));

$app = new Laravel\Lumen\Application($basePath);

$app->configure('app');

// No facades, no Eloquent: this example stays on the bare router.
// $app->withFacades();
// $app->withEloquent();

$app->singleton(
    Illuminate\Contracts\Debug\ExceptionHandler::class,
    App\Exceptions\Handler::class
);

$app->router->group([
    'namespace' => 'App\Http\Controllers',
], function ($router) {
    require __DIR__.'/../routes/web.php';
});

return $app;
