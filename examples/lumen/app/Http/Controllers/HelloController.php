<?php

namespace App\Http\Controllers;

use Illuminate\Http\JsonResponse;

class HelloController extends Controller
{
    /**
     * GET /hello/{name} → {"hello": name}.
     *
     * Lumen matches routes against the raw (still percent-encoded) path, so
     * the parameter is decoded here: /hello/b%C3%B6b → {"hello":"böb"}.
     */
    public function show(string $name): JsonResponse
    {
        return new JsonResponse(['hello' => rawurldecode($name)]);
    }
}
