<?php

namespace Example\Exception;

/** A webhook whose signature, timestamp or headers do not verify. Answer 400 to it. */
class SignatureVerificationException extends \Exception
{
}
