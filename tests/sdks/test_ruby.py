"""The Ruby SDK's own tests (sdks/ruby/test/test_example.rb, minitest) against this
session's local cloud, the scripted stub and a real signed delivery."""

from __future__ import annotations

from . import run_sdk_tests


def test_ruby_sdk(sdk_env):
    out = run_sdk_tests("ruby", sdk_env)
    assert "test_create_retrieve_list_update_delete = " in out.stdout  # the flow ran
    assert "ReadmeTest#test_readme_examples_run = " in out.stdout  # the README's blocks ran
    assert " 0 failures, 0 errors, 0 skips" in out.stdout
