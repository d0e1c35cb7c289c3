"""The property tests' settings: reproducible in CI, random locally (tests/conftest.py)."""

from hypothesis import settings

from tests.services import in_ci


def test_ci_tries_the_same_examples_on_every_run_and_prints_how_to_replay_a_failure():
    current = settings()
    if in_ci():
        assert settings.get_current_profile_name() == "ci"
        assert current.derandomize and current.print_blob
        assert current.deadline is None and current.database is None
    else:
        assert settings.get_current_profile_name() == "default"
        assert not current.derandomize


def test_the_settings_a_property_test_module_builds_inherit_the_profile():
    from tests.bookings.planner import test_planner_properties as module

    test = module.test_the_planner_is_within_one_percent_of_the_exact_optimum_on_small_pools
    built = test._hypothesis_internal_use_settings

    assert built.max_examples == 15
    assert built.derandomize == in_ci()
