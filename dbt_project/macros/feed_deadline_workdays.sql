{#- The feed's deadline in working days (feeds.md, var feed_deadlines); NULL for a feed without one. -#}
{% macro feed_deadline_workdays(feed_column) -%}
    case {{ feed_column }}
    {%- for feed, days in var('feed_deadlines').items() if days is not none %}
        when '{{ feed }}' then {{ days }}
    {%- endfor %}
    end
{%- endmacro %}
