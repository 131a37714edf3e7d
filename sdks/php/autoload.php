<?php
/**
 * A PSR-4 autoloader for the SDK without Composer: `require 'sdks/php/autoload.php';`.
 *
 * Example\Generated\ is what openapi-generator wrote (generated/), every other
 * Example\ class is the hand-written layer (src/). The generated ObjectSerializer
 * names Guzzle in a `use` line and in its file-download branch only; neither runs here.
 */

spl_autoload_register(static function (string $class): void {
    $roots = [
        'Example\\Generated\\' => __DIR__ . '/generated/',
        'Example\\' => __DIR__ . '/src/',
    ];
    foreach ($roots as $prefix => $dir) {
        if (strncmp($class, $prefix, strlen($prefix)) === 0) {
            $file = $dir . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
            if (is_file($file)) {
                require $file;
            }
            return;
        }
    }
});
