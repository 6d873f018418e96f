<?php

namespace App\Http\Controllers;

use Illuminate\Http\JsonResponse;
use Illuminate\Http\Request;

class FormController extends Controller
{
    /**
     * POST /form → the parsed form fields (urlencoded or multipart; a JSON
     * body also works, Laravel treats it as the input source) as JSON.
     */
    public function echo(Request $request): JsonResponse
    {
        return new JsonResponse((object) $request->post());
    }
}
