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
    rate_method 'wilson_design_mismatch'.
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
        sqrt(sum(stratum_variances.variance_term)) / ratios.x_total as standard_error
    from ratios
    inner join stratum_variances
        on ratios.audit_id = stratum_variances.audit_id
        and ratios.offence_group = stratum_variances.offence_group
    group by ratios.audit_id, ratios.offence_group, ratios.ratio, ratios.x_total

),

audit_groups as (

    select distinct audit_id, force_id, offence_group, design_problem
    from strata

),

final as (

    select
        audit_groups.force_id,
        audit_groups.audit_id,
        audit_groups.offence_group,
        case
            when audit_groups.design_problem is null then 'weighted'
            else 'wilson_design_mismatch'
        end as rate_method,
        cast(estimates.ratio as double) as weighted_recording_rate,
        cast(case
            when estimates.ratio is not null
                then greatest(0.0, estimates.ratio - {{ z }} * estimates.standard_error)
        end as double) as weighted_rate_ci_low,
        cast(case
            when estimates.ratio is not null
                then least(1.0, estimates.ratio + {{ z }} * estimates.standard_error)
        end as double) as weighted_rate_ci_high,
        cast(estimates.standard_error as double) as weighted_rate_standard_error,
        audit_groups.design_problem

    from audit_groups
    left join estimates
        on audit_groups.audit_id = estimates.audit_id
        and audit_groups.offence_group = estimates.offence_group

)

select * from final
