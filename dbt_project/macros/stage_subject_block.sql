{#- The subject block (行政相对人, feeds.md) shared by license (XK_), penalty (CF_) and the action feeds (XZ_):
    the same English names for every feed; personal ID numbers are masked already here. -#}
{% macro stage_subject_block(prefix) -%}
        {{ clean_text(prefix ~ 'XDR_MC') }} as subject_name,
        {{ clean_text(prefix ~ 'XDR_LB') }} as subject_kind,
        {{ clean_text(prefix ~ 'XDR_SHXYM') }} as subject_code,
        {{ clean_text(prefix ~ 'XDR_GSZC') }} as business_registration_no,
        {{ clean_text(prefix ~ 'XDR_ZZJG') }} as organisation_code,
        {{ clean_text(prefix ~ 'XDR_SWDJ') }} as tax_registration_no,
        {{ clean_text(prefix ~ 'XDR_SYDW') }} as public_institution_cert_no,
        {{ clean_text(prefix ~ 'XDR_SHZZ') }} as social_organisation_reg_no,
        {{ clean_text(prefix ~ 'FRDB') }} as legal_rep_name,
        {{ clean_text(prefix ~ 'FR_ZJLX') }} as legal_rep_id_type,
        {{ mask_personal_id(prefix ~ 'FR_ZJHM') }} as legal_rep_id_masked,
        {{ clean_text(prefix ~ 'XDR_ZJLX') }} as subject_id_type,
        {{ mask_personal_id(prefix ~ 'XDR_ZJHM') }} as subject_id_masked
{%- endmacro %}
