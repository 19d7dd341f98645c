"""The studies' stored search document and its indexes (PostgreSQL only).

`search_tags` holds the study's tag names, kept by triggers on the tag links (and on renamed
tags), so that the generated `search_document` can cover title, tags and description. Neither
column is on the model: only the search selectors read them, and SQLite never has them.
"""

from django.db import migrations

from search.operations import PostgresOnlySQL

COLUMNS = r"""
ALTER TABLE studies_study ADD COLUMN search_tags text NOT NULL DEFAULT '';
ALTER TABLE studies_study ADD COLUMN search_document tsvector GENERATED ALWAYS AS (
    search_field(title, 'A') || search_field(search_tags, 'A') || search_field(description, 'B')
) STORED;
CREATE INDEX studies_study_search_document ON studies_study USING gin (search_document);
CREATE INDEX studies_study_search_title_trgm ON studies_study
    USING gin ((title || ' ' || search_tags) gin_trgm_ops);
"""

DROP_COLUMNS = r"""
ALTER TABLE studies_study DROP COLUMN search_document;
ALTER TABLE studies_study DROP COLUMN search_tags;
"""

TRIGGERS = r"""
CREATE FUNCTION studies_study_search_tags_refresh() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE studies_study AS study SET search_tags = coalesce((
        SELECT string_agg(tag.name, ' ' ORDER BY tag.name)
        FROM studies_study_tags AS link JOIN studies_tag AS tag ON tag.id = link.tag_id
        WHERE link.study_id = study.id
    ), '')
    WHERE study.id IN (SELECT study_id FROM changed);
    RETURN NULL;
END
$$;
CREATE TRIGGER studies_study_tags_added AFTER INSERT ON studies_study_tags
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION studies_study_search_tags_refresh();
CREATE TRIGGER studies_study_tags_removed AFTER DELETE ON studies_study_tags
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION studies_study_search_tags_refresh();

CREATE FUNCTION studies_tag_search_rename() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE studies_study AS study SET search_tags = coalesce((
        SELECT string_agg(tag.name, ' ' ORDER BY tag.name)
        FROM studies_study_tags AS link JOIN studies_tag AS tag ON tag.id = link.tag_id
        WHERE link.study_id = study.id
    ), '')
    WHERE study.id IN (SELECT study_id FROM studies_study_tags WHERE tag_id = NEW.id);
    RETURN NULL;
END
$$;
CREATE TRIGGER studies_tag_renamed AFTER UPDATE OF name ON studies_tag
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION studies_tag_search_rename();
"""

DROP_TRIGGERS = r"""
DROP TRIGGER studies_tag_renamed ON studies_tag;
DROP FUNCTION studies_tag_search_rename();
DROP TRIGGER studies_study_tags_removed ON studies_study_tags;
DROP TRIGGER studies_study_tags_added ON studies_study_tags;
DROP FUNCTION studies_study_search_tags_refresh();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("studies", "0002_bookmarks_reviews"),
        ("search", "0001_search_functions"),
    ]

    operations = [
        PostgresOnlySQL(COLUMNS, DROP_COLUMNS),
        PostgresOnlySQL(TRIGGERS, DROP_TRIGGERS),
    ]
