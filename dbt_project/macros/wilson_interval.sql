{#-
    The proportion successes / trials with its Wilson score interval (95% for z = 1.96):

        p      = k / n
        centre = (p + z^2 / 2n) / (1 + z^2 / n)
        half   = z * sqrt(p (1 - p) / n + z^2 / 4n^2) / (1 + z^2 / n)
        low, high = centre - half, centre + half

    Returns {'rate': ..., 'low': ..., 'high': ...}, three SQL expressions, all double and all
    NULL when n = 0. The k = 0 low bound and the k = n high bound are written as explicit 0.0 and
    1.0 (floating point would give -0.0 or 1.0000000000000002 there).

    Usage:
        {%- set recording = wilson_interval('crimes_recorded', 'crimes_reported') %}
        {{ recording.rate }} as recording_rate, {{ recording.low }} as rate_ci_low, ...
-#}
{% macro wilson_interval(successes, trials, z=1.96) %}
    {%- set k = 'cast(' ~ successes ~ ' as double)' -%}
    {%- set n = 'cast(' ~ trials ~ ' as double)' -%}
    {%- set z2 = '(' ~ z ~ ' * ' ~ z ~ ')' -%}
    {%- set p = '(' ~ k ~ ' / ' ~ n ~ ')' -%}
    {%- set denominator = '(1 + ' ~ z2 ~ ' / ' ~ n ~ ')' -%}
    {%- set centre = '(' ~ p ~ ' + ' ~ z2 ~ ' / (2 * ' ~ n ~ ')) / ' ~ denominator -%}
    {%- set half = z ~ ' * sqrt(' ~ p ~ ' * (1 - ' ~ p ~ ') / ' ~ n
        ~ ' + ' ~ z2 ~ ' / (4 * ' ~ n ~ ' * ' ~ n ~ ')) / ' ~ denominator -%}
    {%- set when_trials = 'case when ' ~ trials ~ ' > 0 then ' -%}
    {{ return({
        'rate': when_trials ~ p ~ ' end',
        'low': when_trials ~ 'case when ' ~ successes ~ ' = 0 then cast(0.0 as double) else '
            ~ centre ~ ' - ' ~ half ~ ' end end',
        'high': when_trials ~ 'case when ' ~ successes ~ ' = ' ~ trials ~ ' then cast(1.0 as double) else '
            ~ centre ~ ' + ' ~ half ~ ' end end',
    }) }}
{% endmacro %}
