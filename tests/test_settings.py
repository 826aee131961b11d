from pathlib import Path

from leaderboard.settings import SETTINGS_HELP, load_settings

README = Path(__file__).resolve().parent.parent / "README.md"


def test_settings_defaults_local():
    settings = load_settings({})
    assert settings.server_name == "127.0.0.1"
    assert settings.server_port == 7860
    assert settings.results_repo is None
    assert settings.page_size == 50


def test_settings_on_space_binds_all_interfaces():
    settings = load_settings({"SPACE_ID": "someone/goodhart"})
    assert settings.server_name == "0.0.0.0"
    assert settings.on_space


def test_settings_invalid_numbers_fall_back():
    settings = load_settings({"GRADIO_SERVER_PORT": "seventy", "PAGE_SIZE": "5000", "REFRESH_MINUTES": "-1"})
    assert settings.server_port == 7860
    assert settings.page_size == 50
    assert settings.refresh_minutes == 30.0


def test_settings_repr_hides_token():
    settings = load_settings({"HF_TOKEN": "hf_secretsecret"})
    assert "hf_secretsecret" not in repr(settings)
    assert "hf_secretsecret" not in str(settings)


def test_settings_documented_in_readme():
    text = README.read_text(encoding="utf-8")
    for name in SETTINGS_HELP:
        assert f"`{name}`" in text, f"{name} is not documented in README.md"
