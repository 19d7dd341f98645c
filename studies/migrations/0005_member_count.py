"""Each study's member count, kept by triggers on memberships (PostgreSQL only; not on the model).

Explore filters and sorts 10,000 studies by open seats: counting every study's memberships on
each request was the page's dearest query. SQLite, the small embedded default, still counts.
"""

from django.db import migrations

from search.operations import PostgresOnlySQL

MEMBER_COUNT = r"""
ALTER TABLE studies_study ADD COLUMN member_count integer NOT NULL DEFAULT 0;
UPDATE studies_study AS study SET member_count = (
    SELECT count(*) FROM studies_membership AS membership WHERE membership.study_id = study.id
);

CREATE FUNCTION studies_study_member_count_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE studies_study AS study SET member_count = study.member_count + delta.members
    FROM (
        SELECT study_id, count(*) * TG_ARGV[0]::integer AS members FROM changed GROUP BY study_id
    ) AS delta
    WHERE study.id = delta.study_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER studies_membership_added AFTER INSERT ON studies_membership
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION studies_study_member_count_change('1');
CREATE TRIGGER studies_membership_removed AFTER DELETE ON studies_membership
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION studies_study_member_count_change('-1');
"""

DROP_MEMBER_COUNT = r"""
DROP TRIGGER studies_membership_removed ON studies_membership;
DROP TRIGGER studies_membership_added ON studies_membership;
DROP FUNCTION studies_study_member_count_change();
ALTER TABLE studies_study DROP COLUMN member_count;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("studies", "0004_study_newest_index"),
    ]

    operations = [
        PostgresOnlySQL(MEMBER_COUNT, DROP_MEMBER_COUNT),
    ]
