<?php

namespace Example;

use Example\Generated\Model\ModelInterface;

/**
 * Decoded JSON -> generated models, leniently.
 *
 * The generated ObjectSerializer::deserialize throws on an enum value it does not know
 * and on a string its setters find too long; a server newer than the SDK must not break
 * it. So this walks the models' own type maps (openAPITypes/attributeMap) and fills them
 * through their constructors, which validate nothing: an unknown enum value stays the
 * string it was, and an unknown field is kept on the model (`$model['new_field']`).
 */
final class Hydrator
{
    /**
     * @param mixed $data
     * @return mixed
     */
    public static function hydrate($data, string $type)
    {
        if ($data === null) {
            return null;
        }
        if (substr($type, -2) === '[]') {
            if (!is_array($data)) {
                return $data;
            }
            $inner = substr($type, 0, -2);
            return array_map(static function ($item) use ($inner) {
                return self::hydrate($item, $inner);
            }, $data);
        }
        if (preg_match('/^(?:array<|map\[)string,(.+)[>\]]$/', $type, $m) === 1) {
            if (!is_array($data)) {
                return $data;
            }
            $out = [];
            foreach ($data as $key => $value) {
                $out[$key] = self::hydrate($value, $m[1]);
            }
            return $out;
        }
        $class = ltrim($type, '\\');
        if (!class_exists($class) || !is_subclass_of($class, ModelInterface::class) || !is_array($data)) {
            return $data; // scalars, enums (kept as strings, known or not), free-form objects
        }
        $class = self::discriminated($class, $data);
        $types = $class::openAPITypes();
        $wireToProp = array_flip($class::attributeMap());
        $known = [];
        $unknown = [];
        foreach ($data as $wire => $value) {
            $prop = $wireToProp[$wire] ?? null;
            if ($prop === null) {
                $unknown[$wire] = $value;
            } else {
                $known[$prop] = self::hydrate($value, $types[$prop]);
            }
        }
        $model = new $class($known);
        foreach ($unknown as $wire => $value) {
            $model[$wire] = $value;
        }
        return $model;
    }

    /**
     * A oneOf with a discriminator (Event.data.object: "object": "resource") becomes the
     * model its value names, when there is one; else the generated union model.
     * @param array<mixed> $data
     */
    private static function discriminated(string $class, array $data): string
    {
        $property = $class::DISCRIMINATOR;
        if (empty($property) || !isset($data[$property]) || !is_string($data[$property])) {
            return $class;
        }
        $candidate = 'Example\\Generated\\Model\\' . str_replace('_', '', ucwords($data[$property], '_'));
        return class_exists($candidate) && is_subclass_of($candidate, ModelInterface::class) ? $candidate : $class;
    }

    /**
     * The class for a model name, e.g. 'Resource': the SDK's Example\\Model\\ one (the
     * generated model with its answer) for what a call returns, else the generated one.
     */
    public static function model(string $name): string
    {
        return class_exists('\\Example\\Model\\' . $name) ? '\\Example\\Model\\' . $name : '\\Example\\Generated\\Model\\' . $name;
    }
}
