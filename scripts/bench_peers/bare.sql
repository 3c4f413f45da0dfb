-- The benchmark's lower bound: the pipeline's loads and marts as ONE DuckDB script, with no
-- orchestration, no checks and no load bookkeeping. Run by bare.py, which sets the variables:
--   landing_prefix      the landing folder as a path prefix ('/.../landing/')
--   files_<kind>        a read_csv glob per landing kind (a header-only file when none match)
--   ipad, opad          the HMAC pads of the pseudonym key (BLOBs; never written here)
-- Semantics copied from orchestration/ingest/loader.py (raw), dbt_project/models/staging/raw
-- (latest versions), int_expected_crimes_matched / int_no_crime_reviews_classified and the
-- recording/no-crime/disposal accuracy marts. Comments say which rule each step copies.

-- Landing timestamps without an offset are UK local time; TIMESTAMPTZ parsing reads them in
-- the session time zone (ambiguous and missing DST hours resolve exactly as the loader's).
SET TimeZone = 'Europe/London';

-- The loader's value of a landing field: trimmed (spaces only, like DuckDB trim), blank = NULL.
CREATE OR REPLACE TEMP MACRO txt(v) AS nullif(trim(v), '');
CREATE OR REPLACE TEMP MACRO utc(v) AS (try_cast(txt(v) AS TIMESTAMPTZ) AT TIME ZONE 'UTC');
-- A typed column's row is quarantined when the text is there but does not parse.
CREATE OR REPLACE TEMP MACRO bad(raw_value, typed_value) AS (txt(raw_value) IS NOT NULL AND typed_value IS NULL);
CREATE OR REPLACE TEMP MACRO bool_of(v) AS CASE lower(txt(v)) WHEN 'true' THEN true WHEN 'false' THEN false END;
-- pseudonymise.hmac_sql: HMAC-SHA256 of the trimmed, lower-cased value, its first 128 bits in
-- hex; blank stays NULL.
CREATE OR REPLACE TEMP MACRO pseudonym(v) AS CASE WHEN txt(v) IS NULL THEN NULL ELSE
    left(sha256(getvariable('opad') || unhex(sha256(getvariable('ipad') || encode(lower(trim(txt(v))))))), 32) END;
-- macros/normalise_offence_code.sql
CREATE OR REPLACE TEMP MACRO offence(v) AS
    nullif(regexp_replace(replace(replace(upper(v), ' ', ''), '/', '.'), '^0+', ''), '');
-- Path parts: <force_id>/<YYYY-MM-DD | audits>/...
CREATE OR REPLACE TEMP MACRO rel(f) AS substr(f, length(getvariable('landing_prefix')) + 1);
-- The Wilson score interval, as macros/wilson_interval.sql writes it (z = 1.96).
CREATE OR REPLACE TEMP MACRO w_p(k, n) AS CAST(k AS DOUBLE) / CAST(n AS DOUBLE);
CREATE OR REPLACE TEMP MACRO w_centre(k, n) AS
    (w_p(k, n) + (1.96 * 1.96) / (2 * CAST(n AS DOUBLE))) / (1 + (1.96 * 1.96) / CAST(n AS DOUBLE));
CREATE OR REPLACE TEMP MACRO w_half(k, n) AS
    1.96 * sqrt(w_p(k, n) * (1 - w_p(k, n)) / CAST(n AS DOUBLE)
                + (1.96 * 1.96) / (4 * CAST(n AS DOUBLE) * CAST(n AS DOUBLE)))
    / (1 + (1.96 * 1.96) / CAST(n AS DOUBLE));
CREATE OR REPLACE TEMP MACRO wilson_rate(k, n) AS CASE WHEN n > 0 THEN w_p(k, n) END;
CREATE OR REPLACE TEMP MACRO wilson_low(k, n) AS CASE WHEN n > 0 THEN
    CASE WHEN k = 0 THEN CAST(0.0 AS DOUBLE) ELSE w_centre(k, n) - w_half(k, n) END END;
CREATE OR REPLACE TEMP MACRO wilson_high(k, n) AS CASE WHEN n > 0 THEN
    CASE WHEN k = n THEN CAST(1.0 AS DOUBLE) ELSE w_centre(k, n) + w_half(k, n) END END;

BEGIN;
CREATE SCHEMA raw;
CREATE SCHEMA staging;
CREATE SCHEMA marts;

-- ---- (1) raw: every landing row that the loader would load ----------------------------------
-- Each read numbers its rows in file order (the loader's _source_row), reads the declared
-- canonical columns without sniffing, and skips rows DuckDB cannot parse (the loader
-- quarantines them). A row is dropped where the loader quarantines it: a required value
-- missing, a typed value that does not parse, or a repeat of a key already seen earlier in the
-- same file (counted over all rows, so a bad first row still makes its repeat a duplicate).

CREATE TABLE raw.incidents AS
WITH landed AS (
    SELECT *, row_number() OVER () AS _n
    FROM read_csv(getvariable('files_incidents'), header = true, auto_detect = false, filename = true,
                  delim = ',', quote = '"', escape = '"', ignore_errors = true,
                  columns = {'incident_id': 'VARCHAR', 'received_at': 'VARCHAR', 'channel': 'VARCHAR',
                             'opening_code': 'VARCHAR', 'closing_code': 'VARCHAR', 'caller_name': 'VARCHAR',
                             'caller_dob': 'VARCHAR', 'caller_address': 'VARCHAR', 'summary': 'VARCHAR'})
), numbered AS (
    SELECT *, _n - min(_n) OVER (PARTITION BY filename) + 1 AS _source_row,
           row_number() OVER (PARTITION BY filename, txt(incident_id) ORDER BY _n) AS _seen
    FROM landed
)
SELECT txt(incident_id) AS incident_id, utc(received_at) AS received_at, txt(channel) AS channel,
       txt(opening_code) AS opening_code, txt(closing_code) AS closing_code,
       pseudonym(caller_name) AS caller_name_hash, pseudonym(caller_dob) AS caller_dob_hash,
       pseudonym(caller_address) AS caller_address_hash, txt(summary) AS summary,
       split_part(rel(filename), '/', 1) AS force_id,
       CAST(split_part(rel(filename), '/', 2) AS DATE) AS export_date,
       rel(filename) AS _source_file, _source_row
FROM numbered
WHERE _seen = 1 AND txt(incident_id) IS NOT NULL AND utc(received_at) IS NOT NULL;

CREATE TABLE raw.crimes AS
WITH landed AS (
    SELECT *, row_number() OVER () AS _n
    FROM read_csv(getvariable('files_crimes'), header = true, auto_detect = false, filename = true,
                  delim = ',', quote = '"', escape = '"', ignore_errors = true,
                  columns = {'crime_id': 'VARCHAR', 'incident_id': 'VARCHAR', 'reported_at': 'VARCHAR',
                             'recorded_at': 'VARCHAR', 'offence_code': 'VARCHAR', 'victim_name': 'VARCHAR',
                             'victim_dob': 'VARCHAR', 'victim_address': 'VARCHAR'})
), numbered AS (
    SELECT *, _n - min(_n) OVER (PARTITION BY filename) + 1 AS _source_row,
           row_number() OVER (PARTITION BY filename, txt(crime_id) ORDER BY _n) AS _seen
    FROM landed
)
SELECT txt(crime_id) AS crime_id, txt(incident_id) AS incident_id, utc(reported_at) AS reported_at,
       utc(recorded_at) AS recorded_at, txt(offence_code) AS offence_code,
       pseudonym(victim_name) AS victim_name_hash, pseudonym(victim_dob) AS victim_dob_hash,
       pseudonym(victim_address) AS victim_address_hash,
       split_part(rel(filename), '/', 1) AS force_id,
       CAST(split_part(rel(filename), '/', 2) AS DATE) AS export_date,
       rel(filename) AS _source_file, _source_row
FROM numbered
WHERE _seen = 1 AND txt(crime_id) IS NOT NULL AND utc(reported_at) IS NOT NULL
  AND utc(recorded_at) IS NOT NULL AND txt(offence_code) IS NOT NULL;

CREATE TABLE raw.crime_decisions AS
WITH landed AS (
    SELECT *, row_number() OVER () AS _n
    FROM read_csv(getvariable('files_crime_decisions'), header = true, auto_detect = false, filename = true,
                  delim = ',', quote = '"', escape = '"', ignore_errors = true,
                  columns = {'crime_id': 'VARCHAR', 'decided_at': 'VARCHAR', 'decision': 'VARCHAR',
                             'reason_code': 'VARCHAR', 'authorised_by': 'VARCHAR', 'victim_informed': 'VARCHAR'})
), numbered AS (
    SELECT *, _n - min(_n) OVER (PARTITION BY filename) + 1 AS _source_row,
           row_number() OVER (PARTITION BY filename, txt(crime_id), txt(decision) ORDER BY _n) AS _seen
    FROM landed
)
SELECT txt(crime_id) AS crime_id, utc(decided_at) AS decided_at, txt(decision) AS decision,
       txt(reason_code) AS reason_code, txt(authorised_by) AS authorised_by,
       bool_of(victim_informed) AS victim_informed,
       split_part(rel(filename), '/', 1) AS force_id,
       CAST(split_part(rel(filename), '/', 2) AS DATE) AS export_date,
       rel(filename) AS _source_file, _source_row
FROM numbered
WHERE _seen = 1 AND txt(crime_id) IS NOT NULL AND utc(decided_at) IS NOT NULL
  AND txt(decision) IS NOT NULL AND NOT bad(victim_informed, bool_of(victim_informed));

CREATE TABLE raw.disposals AS
WITH landed AS (
    SELECT *, row_number() OVER () AS _n
    FROM read_csv(getvariable('files_disposals'), header = true, auto_detect = false, filename = true,
                  delim = ',', quote = '"', escape = '"', ignore_errors = true,
                  columns = {'crime_id': 'VARCHAR', 'disposal_type': 'VARCHAR', 'issued_at': 'VARCHAR'})
), numbered AS (
    SELECT *, _n - min(_n) OVER (PARTITION BY filename) + 1 AS _source_row,
           row_number() OVER (PARTITION BY filename, txt(crime_id), txt(disposal_type) ORDER BY _n) AS _seen
    FROM landed
)
SELECT txt(crime_id) AS crime_id, txt(disposal_type) AS disposal_type, utc(issued_at) AS issued_at,
       split_part(rel(filename), '/', 1) AS force_id,
       CAST(split_part(rel(filename), '/', 2) AS DATE) AS export_date,
       rel(filename) AS _source_file, _source_row
FROM numbered
WHERE _seen = 1 AND txt(crime_id) IS NOT NULL AND txt(disposal_type) IS NOT NULL
  AND utc(issued_at) IS NOT NULL;

-- Audit sheets: force_id comes from the folder (the `audit` sheet also names it, and a sheet
-- naming another force is quarantined).
CREATE TABLE raw.audits AS
WITH landed AS (
    SELECT *, row_number() OVER () AS _n
    FROM read_csv(getvariable('files_audit'), header = true, auto_detect = false, filename = true,
                  delim = ',', quote = '"', escape = '"', ignore_errors = true,
                  columns = {'audit_id': 'VARCHAR', 'force_id': 'VARCHAR', 'period_start': 'VARCHAR',
                             'period_end': 'VARCHAR', 'time_limit_hours': 'VARCHAR', 'inspector': 'VARCHAR'})
), numbered AS (
    SELECT *, _n - min(_n) OVER (PARTITION BY filename) + 1 AS _source_row,
           row_number() OVER (PARTITION BY filename, txt(audit_id) ORDER BY _n) AS _seen
    FROM landed
)
SELECT txt(audit_id) AS audit_id, txt(force_id) AS force_id,
       try_cast(txt(period_start) AS DATE) AS period_start, try_cast(txt(period_end) AS DATE) AS period_end,
       try_cast(txt(time_limit_hours) AS INTEGER) AS time_limit_hours, txt(inspector) AS inspector,
       rel(filename) AS _source_file, _source_row
FROM numbered
WHERE _seen = 1 AND txt(audit_id) IS NOT NULL AND txt(force_id) = split_part(rel(filename), '/', 1)
  AND try_cast(txt(period_start) AS DATE) IS NOT NULL AND try_cast(txt(period_end) AS DATE) IS NOT NULL
  AND try_cast(txt(time_limit_hours) AS INTEGER) IS NOT NULL;

CREATE TABLE raw.incident_reviews AS
WITH landed AS (
    SELECT *, row_number() OVER () AS _n
    FROM read_csv(getvariable('files_incident_reviews'), header = true, auto_detect = false, filename = true,
                  delim = ',', quote = '"', escape = '"', ignore_errors = true,
                  columns = {'audit_id': 'VARCHAR', 'incident_id': 'VARCHAR', 'reviewed_at': 'VARCHAR',
                             'expected_offence_code': 'VARCHAR', 'auditor_ref': 'VARCHAR'})
), numbered AS (
    -- no key: every row of an incident-review sheet is one expected crime (DESIGN.md "Keys")
    SELECT *, _n - min(_n) OVER (PARTITION BY filename) + 1 AS _source_row
    FROM landed
)
SELECT txt(audit_id) AS audit_id, txt(incident_id) AS incident_id, utc(reviewed_at) AS reviewed_at,
       txt(expected_offence_code) AS expected_offence_code, txt(auditor_ref) AS auditor_ref,
       split_part(rel(filename), '/', 1) AS force_id, rel(filename) AS _source_file, _source_row
FROM numbered
WHERE txt(audit_id) IS NOT NULL AND txt(incident_id) IS NOT NULL
  AND utc(reviewed_at) IS NOT NULL AND txt(auditor_ref) IS NOT NULL;

CREATE TABLE raw.no_crime_reviews AS
WITH landed AS (
    SELECT *, row_number() OVER () AS _n
    FROM read_csv(getvariable('files_no_crime_reviews'), header = true, auto_detect = false, filename = true,
                  delim = ',', quote = '"', escape = '"', ignore_errors = true,
                  columns = {'audit_id': 'VARCHAR', 'crime_id': 'VARCHAR', 'reviewed_at': 'VARCHAR',
                             'verdict': 'VARCHAR', 'auditor_ref': 'VARCHAR'})
), numbered AS (
    SELECT *, _n - min(_n) OVER (PARTITION BY filename) + 1 AS _source_row,
           row_number() OVER (PARTITION BY filename, txt(audit_id), txt(crime_id) ORDER BY _n) AS _seen
    FROM landed
)
SELECT txt(audit_id) AS audit_id, txt(crime_id) AS crime_id, utc(reviewed_at) AS reviewed_at,
       txt(verdict) AS verdict, txt(auditor_ref) AS auditor_ref,
       split_part(rel(filename), '/', 1) AS force_id, rel(filename) AS _source_file, _source_row
FROM numbered
WHERE _seen = 1 AND txt(audit_id) IS NOT NULL AND txt(crime_id) IS NOT NULL
  AND utc(reviewed_at) IS NOT NULL AND txt(verdict) IS NOT NULL;

CREATE TABLE raw.disposal_reviews AS
WITH landed AS (
    SELECT *, row_number() OVER () AS _n
    FROM read_csv(getvariable('files_disposal_reviews'), header = true, auto_detect = false, filename = true,
                  delim = ',', quote = '"', escape = '"', ignore_errors = true,
                  columns = {'audit_id': 'VARCHAR', 'crime_id': 'VARCHAR', 'reviewed_at': 'VARCHAR',
                             'verdict': 'VARCHAR', 'auditor_ref': 'VARCHAR'})
), numbered AS (
    SELECT *, _n - min(_n) OVER (PARTITION BY filename) + 1 AS _source_row,
           row_number() OVER (PARTITION BY filename, txt(audit_id), txt(crime_id) ORDER BY _n) AS _seen
    FROM landed
)
SELECT txt(audit_id) AS audit_id, txt(crime_id) AS crime_id, utc(reviewed_at) AS reviewed_at,
       txt(verdict) AS verdict, txt(auditor_ref) AS auditor_ref,
       split_part(rel(filename), '/', 1) AS force_id, rel(filename) AS _source_file, _source_row
FROM numbered
WHERE _seen = 1 AND txt(audit_id) IS NOT NULL AND txt(crime_id) IS NOT NULL
  AND utc(reviewed_at) IS NOT NULL AND txt(verdict) IS NOT NULL;

-- ---- (2) staging: the latest version of each key -------------------------------------------
-- macros/latest_version_rank.sql: latest export_date, then the later load, then the later row.
-- The pipeline's load id follows its load order (force, date or audit, kind): the source file
-- path stands in for it here. Audit keys span forces (no force_id), as in the staging models.

CREATE TABLE staging.incidents AS
SELECT * EXCLUDE (channel), lower(channel) AS channel FROM raw.incidents
QUALIFY row_number() OVER (PARTITION BY force_id, incident_id
                           ORDER BY export_date DESC, _source_file DESC, _source_row DESC) = 1;

CREATE TABLE staging.crimes AS
SELECT * EXCLUDE (offence_code), offence(offence_code) AS offence_code FROM raw.crimes
QUALIFY row_number() OVER (PARTITION BY force_id, crime_id
                           ORDER BY export_date DESC, _source_file DESC, _source_row DESC) = 1;

CREATE TABLE staging.crime_decisions AS
SELECT * EXCLUDE (decision), upper(decision) AS decision FROM raw.crime_decisions
QUALIFY row_number() OVER (PARTITION BY force_id, crime_id, upper(decision)
                           ORDER BY export_date DESC, _source_file DESC, _source_row DESC) = 1;

CREATE TABLE staging.disposals AS
SELECT * EXCLUDE (disposal_type), upper(disposal_type) AS disposal_type FROM raw.disposals
QUALIFY row_number() OVER (PARTITION BY force_id, crime_id, upper(disposal_type)
                           ORDER BY export_date DESC, _source_file DESC, _source_row DESC) = 1;

CREATE TABLE staging.audits AS
SELECT * FROM raw.audits
QUALIFY row_number() OVER (PARTITION BY audit_id ORDER BY _source_file DESC, _source_row DESC) = 1;

CREATE TABLE staging.incident_reviews AS
SELECT * EXCLUDE (expected_offence_code), offence(expected_offence_code) AS expected_offence_code,
       _source_file || '#' || _source_row AS review_id
FROM raw.incident_reviews;

CREATE TABLE staging.no_crime_reviews AS
SELECT * EXCLUDE (verdict), lower(verdict) AS verdict,
       CASE lower(verdict) WHEN 'correct' THEN true WHEN 'incorrect' THEN false END AS is_correct
FROM raw.no_crime_reviews
QUALIFY row_number() OVER (PARTITION BY audit_id, crime_id ORDER BY _source_file DESC, _source_row DESC) = 1;

CREATE TABLE staging.disposal_reviews AS
SELECT * EXCLUDE (verdict), lower(verdict) AS verdict,
       CASE lower(verdict) WHEN 'appropriate' THEN true WHEN 'inappropriate' THEN false END AS is_appropriate
FROM raw.disposal_reviews
QUALIFY row_number() OVER (PARTITION BY audit_id, crime_id ORDER BY _source_file DESC, _source_row DESC) = 1;

-- The offence_codes seed (offence code -> group), read from the dbt project by bare.py.
CREATE TABLE staging.offence_codes AS
SELECT offence_code, offence_group, CAST(is_rape AS BOOLEAN) AS is_rape
FROM read_csv(getvariable('offence_codes_seed'), header = true, auto_detect = false,
              columns = {'offence_code': 'VARCHAR', 'offence_description': 'VARCHAR', 'offence_group': 'VARCHAR',
                         'is_rape': 'VARCHAR', 'police_uk_crime_type': 'VARCHAR'});

-- ---- (3) marts --------------------------------------------------------------------------------
-- int_expected_crimes_matched: pair expected crimes with the crimes of their incident in three
-- passes (same code, then same group, then any); within a pass the n-th expected crime of a
-- partition (by code, review_id) pairs with its n-th crime (by recorded_at, crime_id).
CREATE TEMP TABLE expected AS
SELECT r.audit_id, r.force_id, r.incident_id, r.review_id, r.expected_offence_code,
       o.offence_group AS expected_offence_group
FROM staging.incident_reviews r LEFT JOIN staging.offence_codes o ON r.expected_offence_code = o.offence_code
WHERE r.expected_offence_code IS NOT NULL;

CREATE TEMP TABLE recorded AS
SELECT i.audit_id, i.incident_id, c.crime_id, c.offence_code AS recorded_offence_code,
       o.offence_group AS recorded_offence_group, c.recorded_at
FROM (SELECT DISTINCT audit_id, force_id, incident_id FROM expected) i
JOIN staging.crimes c ON i.force_id = c.force_id AND i.incident_id = c.incident_id
LEFT JOIN staging.offence_codes o ON c.offence_code = o.offence_code;

CREATE TEMP TABLE pairs AS
WITH e1 AS (
    SELECT *, row_number() OVER (PARTITION BY audit_id, incident_id, expected_offence_code
                                 ORDER BY expected_offence_code NULLS LAST, review_id NULLS LAST) AS k
    FROM expected
), r1 AS (
    SELECT *, row_number() OVER (PARTITION BY audit_id, incident_id, recorded_offence_code
                                 ORDER BY recorded_at NULLS LAST, crime_id NULLS LAST) AS k
    FROM recorded
), p1 AS (
    SELECT e1.audit_id, e1.review_id, r1.crime_id, r1.recorded_offence_code, r1.recorded_at
    FROM e1 JOIN r1 ON e1.audit_id = r1.audit_id AND e1.incident_id = r1.incident_id
                   AND e1.expected_offence_code = r1.recorded_offence_code AND e1.k = r1.k
), e2 AS (
    SELECT *, row_number() OVER (PARTITION BY audit_id, incident_id, expected_offence_group
                                 ORDER BY expected_offence_code NULLS LAST, review_id NULLS LAST) AS k
    FROM (FROM expected ANTI JOIN p1 USING (audit_id, review_id))
), r2 AS (
    SELECT *, row_number() OVER (PARTITION BY audit_id, incident_id, recorded_offence_group
                                 ORDER BY recorded_at NULLS LAST, crime_id NULLS LAST) AS k
    FROM (FROM recorded ANTI JOIN p1 USING (audit_id, crime_id))
), p2 AS (
    SELECT e2.audit_id, e2.review_id, r2.crime_id, r2.recorded_offence_code, r2.recorded_at
    FROM e2 JOIN r2 ON e2.audit_id = r2.audit_id AND e2.incident_id = r2.incident_id
                   AND e2.expected_offence_group = r2.recorded_offence_group AND e2.k = r2.k
), e3 AS (
    SELECT *, row_number() OVER (PARTITION BY audit_id, incident_id
                                 ORDER BY expected_offence_code NULLS LAST, review_id NULLS LAST) AS k
    FROM (FROM expected ANTI JOIN p1 USING (audit_id, review_id) ANTI JOIN p2 USING (audit_id, review_id))
), r3 AS (
    SELECT *, row_number() OVER (PARTITION BY audit_id, incident_id
                                 ORDER BY recorded_at NULLS LAST, crime_id NULLS LAST) AS k
    FROM (FROM recorded ANTI JOIN p1 USING (audit_id, crime_id) ANTI JOIN p2 USING (audit_id, crime_id))
), p3 AS (
    SELECT e3.audit_id, e3.review_id, r3.crime_id, r3.recorded_offence_code, r3.recorded_at
    FROM e3 JOIN r3 ON e3.audit_id = r3.audit_id AND e3.incident_id = r3.incident_id AND e3.k = r3.k
)
FROM p1 UNION ALL FROM p2 UNION ALL FROM p3;

-- Recorded = paired; correctly classified = same code; on time = within the audit's limit,
-- counted in whole-second boundaries (date_diff 'second', as dbt.datediff compiles).
CREATE TEMP TABLE expected_matched AS
SELECT e.*, p.crime_id IS NOT NULL AS is_recorded,
       coalesce(p.recorded_offence_code = e.expected_offence_code, false) AS is_correctly_classified,
       coalesce(date_diff('second', i.received_at, p.recorded_at) <= a.time_limit_hours * 3600, false)
           AS is_recorded_on_time
FROM expected e
LEFT JOIN pairs p USING (audit_id, review_id)
LEFT JOIN staging.audits a ON a.audit_id = e.audit_id
LEFT JOIN staging.incidents i ON i.force_id = e.force_id AND i.incident_id = e.incident_id;

-- Each expected crime counts under its group (NULL for a code outside the seed) and under
-- `all`; `all` also counts incidents expected to produce no crime, and exists for every audit.
CREATE TABLE marts.recording_accuracy AS
WITH counted AS (
    SELECT audit_id, expected_offence_group AS offence_group, incident_id, review_id,
           is_recorded, is_correctly_classified, is_recorded_on_time FROM expected_matched
    UNION ALL
    SELECT audit_id, 'all', incident_id, review_id,
           is_recorded, is_correctly_classified, is_recorded_on_time FROM expected_matched
    UNION ALL
    SELECT audit_id, 'all', incident_id, NULL, NULL, NULL, NULL
    FROM staging.incident_reviews WHERE expected_offence_code IS NULL
    UNION ALL
    SELECT audit_id, 'all', NULL, NULL, NULL, NULL, NULL FROM staging.audits
), counts AS (
    SELECT audit_id, offence_group,
           CAST(count(DISTINCT incident_id) AS BIGINT) AS incidents_reviewed,
           CAST(count(review_id) AS BIGINT) AS crimes_reported,
           CAST(count_if(is_recorded) AS BIGINT) AS crimes_recorded,
           CAST(count_if(is_correctly_classified) AS BIGINT) AS crimes_correctly_classified,
           CAST(count_if(is_recorded_on_time) AS BIGINT) AS crimes_recorded_on_time
    FROM counted GROUP BY audit_id, offence_group
)
SELECT a.force_id, c.audit_id, c.offence_group, c.incidents_reviewed, c.crimes_reported,
       c.crimes_recorded, c.crimes_reported - c.crimes_recorded AS crimes_unrecorded,
       wilson_rate(c.crimes_recorded, c.crimes_reported) AS recording_rate,
       wilson_low(c.crimes_recorded, c.crimes_reported) AS rate_ci_low,
       wilson_high(c.crimes_recorded, c.crimes_reported) AS rate_ci_high,
       c.crimes_correctly_classified, c.crimes_recorded_on_time
FROM counts c JOIN staging.audits a ON c.audit_id = a.audit_id;

-- int_no_crime_reviews_classified + no_crime_accuracy: a review counts under its crime's
-- group (latest version of the crime; none when the crime or its group is unknown) and `all`.
CREATE TABLE marts.no_crime_accuracy AS
WITH classified AS (
    SELECT r.audit_id, r.crime_id, r.is_correct, o.offence_group
    FROM staging.no_crime_reviews r
    LEFT JOIN staging.crimes c ON r.force_id = c.force_id AND r.crime_id = c.crime_id
    LEFT JOIN staging.offence_codes o ON c.offence_code = o.offence_code
), counted AS (
    SELECT audit_id, offence_group, crime_id, is_correct FROM classified WHERE offence_group IS NOT NULL
    UNION ALL
    SELECT audit_id, 'all', crime_id, is_correct FROM classified
    UNION ALL
    SELECT audit_id, 'all', NULL, NULL FROM staging.audits
), counts AS (
    SELECT audit_id, offence_group, CAST(count(crime_id) AS BIGINT) AS decisions_reviewed,
           CAST(count_if(is_correct) AS BIGINT) AS decisions_correct,
           CAST(count_if(NOT is_correct) AS BIGINT) AS decisions_incorrect
    FROM counted GROUP BY audit_id, offence_group
)
SELECT a.force_id, c.audit_id, c.offence_group, c.decisions_reviewed, c.decisions_correct,
       c.decisions_incorrect,
       wilson_rate(c.decisions_correct, c.decisions_reviewed) AS accuracy_rate,
       wilson_low(c.decisions_correct, c.decisions_reviewed) AS accuracy_ci_low,
       wilson_high(c.decisions_correct, c.decisions_reviewed) AS accuracy_ci_high
FROM counts c JOIN staging.audits a ON c.audit_id = a.audit_id;

CREATE TABLE marts.disposal_accuracy AS
WITH counts AS (
    SELECT a.audit_id, a.force_id, CAST(count(r.crime_id) AS BIGINT) AS disposals_reviewed,
           CAST(count_if(r.is_appropriate) AS BIGINT) AS appropriate,
           CAST(count_if(NOT r.is_appropriate) AS BIGINT) AS inappropriate
    FROM staging.audits a LEFT JOIN staging.disposal_reviews r ON a.audit_id = r.audit_id
    GROUP BY a.audit_id, a.force_id
)
SELECT force_id, audit_id, disposals_reviewed, appropriate, inappropriate,
       wilson_rate(appropriate, disposals_reviewed) AS appropriate_rate,
       wilson_low(appropriate, disposals_reviewed) AS appropriate_ci_low,
       wilson_high(appropriate, disposals_reviewed) AS appropriate_ci_high
FROM counts;

-- ---- (4) latest-version volumes per force: proves every row was loaded ---------------------
CREATE TABLE marts.force_volumes AS
WITH v AS (
    SELECT force_id, 'incidents' AS kind FROM staging.incidents
    UNION ALL SELECT force_id, 'crimes' FROM staging.crimes
    UNION ALL SELECT force_id, 'crime_decisions' FROM staging.crime_decisions
    UNION ALL SELECT force_id, 'disposals' FROM staging.disposals
)
SELECT force_id,
       CAST(count_if(kind = 'incidents') AS BIGINT) AS incidents,
       CAST(count_if(kind = 'crimes') AS BIGINT) AS crimes,
       CAST(count_if(kind = 'crime_decisions') AS BIGINT) AS crime_decisions,
       CAST(count_if(kind = 'disposals') AS BIGINT) AS disposals
FROM v GROUP BY force_id;

COMMIT;
