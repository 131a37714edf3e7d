"""State machine definitions: ASL files with `${Name}` substitutions, read as they are
by the CDK construct (DefinitionSubstitutions) and by the local cloud (`render`), so
both worlds run the same document. Importing this needs nothing but the standard library."""

from __future__ import annotations

import json
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROVISIONING = HERE / "provisioning.asl.json"
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z][A-Za-z0-9_]*)\}")


def placeholders(path: Path = PROVISIONING) -> set[str]:
    return set(_PLACEHOLDER.findall(path.read_text()))


# The ARN partition of the service integrations ("arn:${Partition}:states:::..."): CDK
# substitutes AWS::Partition (aws, aws-cn, aws-us-gov); the local cloud and tests run in
# the "aws" partition.
DEFAULT_SUBSTITUTIONS = {"Partition": "aws"}


def render(path: Path = PROVISIONING, **substitutions: str) -> str:
    """The definition with every `${Name}` replaced, as Step Functions does with
    DefinitionSubstitutions (Partition defaults to "aws"); a missing or unknown
    substitution is an error."""
    substitutions = {**DEFAULT_SUBSTITUTIONS, **substitutions}
    text = path.read_text()
    wanted = placeholders(path)
    if wanted != set(substitutions):
        raise ValueError(f"{path.name} needs substitutions {sorted(wanted)}, got {sorted(substitutions)}")
    out = _PLACEHOLDER.sub(lambda m: substitutions[m.group(1)], text)
    json.loads(out)  # still one JSON document
    return out
