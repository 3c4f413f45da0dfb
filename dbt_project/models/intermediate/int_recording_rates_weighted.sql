{#-
    The stratified (weighted) recording rate of each designed audit, per offence group and `all`,
    with its 95% interval. The rate is recorded / expected crimes over sampled incidents, a ratio
    of two estimated totals, so it is the combined ratio estimator, with strata h of population
    N_h and sample size n_h (int_audit_strata_summed):

        Y = sum_h (N_h / n_h) sum_i y_hi        X = sum_h (N_h / n_h) sum_i x_hi        R = Y / X

    and its linearised (Taylor) variance, with the finite population correction (1 - n_h / N_h):

        v(R) = (1 / X^2) sum_h N_h^2 (1 - n_h / N_h) s_{e,h}^2 / n_h
        e_hi = y_hi - R x_hi
        s_{e,h}^2 = (sum_i e_hi^2 - (sum_i e_hi)^2 / n_h) / (n_h - 1)
                  = (Syy - 2R Sxy + R^2 Sxx - (Sy - R Sx)^2 / n_h) / (n_h - 1)

    A stratum reviewed in full (n_h = N_h) adds no variance, nor one whose incidents all have the
    same rate (every crime recorded, or none: e_hi = 0). A census stratum of one incident has
    s^2 undefined and fpc 0: it adds 0. The interval is R +/- 1.96 sqrt(v(R)), clipped to [0, 1]
    (a rate cannot leave it; clipping never uncovers the true rate).
    An audit whose design does not match its reviews (design_problem) gets no weighted rate:
    rate_method 'wilson_design_mismatch'. Nor does a row whose estimated variance is 0 while some
    stratum was only sampled (n_h < N_h): every sampled crime of the group recorded (or none),
    and the linearised interval would be a single point, a certainty no sample gives (the Wilson
    interval beside it is the honest one): rate_method 'wilson_zero_variance'. Only a census
    keeps a zero-width interval.
-#}
{%- set z = 1.96 -%}

with

strata as (

    select * from {{ ref('int_audit_strata_summed') }}

),

usable as (

    select
        *,
        cast(stratum_population as double) / stratum_sample_size as weight
    from strata
    where design_problem is null

),

ratios as (

    select
        audit_id,
        offence_group,
        sum(weight * sum_x) as x_total,
        case
            when sum(weight * sum_x) > 0 then sum(weight * sum_y) / sum(weight * sum_x)
        end as ratio
    from usable
    group by audit_id, offence_group

),

stratum_variances as (

    select
        usable.audit_id,
        usable.offence_group,
        usable.stratum,
        cast(usable.stratum_population as double) * usable.stratum_population
            * (1 - cast(usable.stratum_sample_size as double) / usable.stratum_population)
            * case
                when usable.stratum_sample_size > 1 then greatest(0.0, (
                    usable.sum_yy - 2 * ratios.ratio * usable.sum_xy
                    + ratios.ratio * ratios.ratio * usable.sum_xx
                    - (usable.sum_y - ratios.ratio * usable.sum_x)
                        * (usable.sum_y - ratios.ratio * usable.sum_x) / usable.stratum_sample_size
                ) / (usable.stratum_sample_size - 1))
                else 0.0
            end
            / usable.stratum_sample_size as variance_term
    from usable
    inner join ratios
        on usable.audit_id = ratios.audit_id
        and usable.offence_group = ratios.offence_group

),

estimates as (

    select
        ratios.audit_id,
        ratios.offence_group,
        ratios.ratio,
        sqrt(sum(stratum_variances.variance_term)) / ratios.x_total as standard_error,
        max(case when usable.stratum_sample_size < usable.stratum_population then 1 else 0 end) as is_sampled
    from ratios
    inner join stratum_variances
        on ratios.audit_id = stratum_variances.audit_id
        and ratios.offence_group = stratum_variances.offence_group
    inner join usable
        on stratum_variances.audit_id = usable.audit_id
        and stratum_variances.offence_group = usable.offence_group
        and stratum_variances.stratum = usable.stratum
    group by ratios.audit_id, ratios.offence_group, ratios.ratio, ratios.x_total

),

audit_groups as (

    select distinct audit_id, force_id, offence_group, design_problem
    from strata

),

methods as (

    select
        audit_groups.*,
        case
            when audit_groups.design_problem is not null then 'wilson_design_mismatch'
            -- 0 up to rounding: e_hi constant within every stratum gives ~1e-17, not 0
            when estimates.standard_error < 1e-12 and estimates.is_sampled = 1 then 'wilson_zero_variance'
            else 'weighted'
        end as rate_method,
        estimates.ratio,
        estimates.standard_error
    from audit_groups
    left join estimates
        on audit_groups.audit_id = estimates.audit_id
        and audit_groups.offence_group = estimates.offence_group

),

final as (

    select
        force_id,
        audit_id,
        offence_group,
        rate_method,
        cast(case when rate_method = 'weighted' then ratio end as double) as weighted_recording_rate,
        cast(case
            when rate_method = 'weighted' and ratio is not null
                then greatest(0.0, ratio - {{ z }} * standard_error)
        end as double) as weighted_rate_ci_low,
        cast(case
            when rate_method = 'weighted' and ratio is not null
                then least(1.0, ratio + {{ z }} * standard_error)
        end as double) as weighted_rate_ci_high,
        cast(case when rate_method = 'weighted' then standard_error end as double) as weighted_rate_standard_error,
        design_problem

    from methods

)

select * from final
