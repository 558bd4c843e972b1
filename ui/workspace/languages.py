"""The languages the GUI offers, each named in itself (File ▸ Language, Settings)."""

LANGUAGES = (("zh_CN", "简体中文"), ("en", "English"))
