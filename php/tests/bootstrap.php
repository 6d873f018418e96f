<?php

declare(strict_types=1);

require __DIR__ . '/../autoload.php';

// PSR-7 implementation for the Http tests (Debian's php-nyholm-psr7; also pulls in the PSR interfaces).
$nyholm = '/usr/share/php/Nyholm/Psr7/autoload.php';
if (is_file($nyholm)) {
    require_once $nyholm;
}

// Test helpers.
spl_autoload_register(static function (string $class): void {
    $prefix = 'Courser\\Tests\\';
    if (str_starts_with($class, $prefix)) {
        $file = __DIR__ . '/' . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
        if (is_file($file)) {
            require $file;
        }
    }
});
