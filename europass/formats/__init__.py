"""One way to write dates per language, everywhere (settings.FORMAT_MODULE_PATH): long dates in words
("2 December 2026", "2 décembre 2026"), short dates in ISO 8601 ("2026-12-02"), never the US month-first forms.
Templates use the named formats (``|date:"DATE_FORMAT"``, ``"SHORT_DATE_FORMAT"``, ``"DATETIME_FORMAT"``,
``"SHORT_DATETIME_FORMAT"``), never a pattern of their own."""
