<?php

namespace App\Http\Controllers;

use Illuminate\Http\JsonResponse;
use Illuminate\Http\Request;
use Illuminate\Http\UploadedFile;

class UploadController extends Controller
{
    /**
     * POST /upload (multipart) → the uploaded files, in the shape of the form
     * field tree (`file`, `files[]`, `doc[a]`…), each described as
     * {name, size, mime, sha1} (plus `error` when the upload failed).
     */
    public function describe(Request $request): JsonResponse
    {
        return new JsonResponse((object) $this->describeTree($request->allFiles()));
    }

    private function describeTree(array $files): array
    {
        $out = [];
        foreach ($files as $key => $file) {
            if (is_array($file)) {
                $out[$key] = $this->describeTree($file);
            } elseif ($file instanceof UploadedFile) {
                $out[$key] = $this->describeFile($file);
            }
        }

        return $out;
    }

    private function describeFile(UploadedFile $file): array
    {
        if (! $file->isValid()) {
            return [
                'name' => $file->getClientOriginalName(),
                'size' => null,
                'mime' => $file->getClientMimeType(),
                'sha1' => null,
                'error' => $file->getError(),
            ];
        }

        $path = $file->getRealPath();

        return [
            'name' => $file->getClientOriginalName(),
            'size' => filesize($path),
            'mime' => $file->getClientMimeType(),
            'sha1' => sha1_file($path),
        ];
    }
}
