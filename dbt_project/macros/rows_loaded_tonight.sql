{#-
    `where: "__rows_loaded_tonight__"` on a data test that would otherwise scan a whole
    incremental model every night (uniqueness of its key, its foreign key to incidents): only
    the rows of loads that no passing build has tested yet, when the pipeline says which.

    For an incremental build the pipeline sets CDI_DBT_TEST_FROM_LOAD_ID to the first load id
    after ops.dbt_tested_through, which it moves up only when a build passes
    (orchestration/transform/dbt.py): rows a failed build failed on are tested again the next
    night. Rows of earlier loads were tested when they were built, and an incremental build
    cannot duplicate a key it did not touch (delete+insert on the key). Unset (a full refresh,
    the first build, dbt by hand, `make test`): every row is tested. At national scale the
    unique test on stg_raw__incidents reads ~55k rows a night instead of 20M.

    dbt does not allow project macros in a test's config, so the placeholder is replaced at run
    time by this project's get_where_subquery (dbt's documented way to extend `where`).
-#}
{% macro rows_loaded_tonight() -%}
    {%- set first_load_id = env_var('CDI_DBT_TEST_FROM_LOAD_ID', '') -%}
    {%- if first_load_id -%}
        _load_id >= {{ first_load_id | int }}
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}

{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- set where = where | replace('__rows_loaded_tonight__', rows_loaded_tonight()) -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
