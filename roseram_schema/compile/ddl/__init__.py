"""Plain DDL, one pure function per object and operation, returning SQL without a `;`.

Nothing here is idempotent by itself (the compiler adds guards) and nothing touches a
database: the planner and the compiler both build on these. Identifiers are quoted with
model.quote_ident and qualified with model.qualify; SQL texts from the model (types,
defaults, expressions, queries, definitions) are written as they are.
"""

from .comments import (
    comment_on_column,
    comment_on_enum,
    comment_on_function,
    comment_on_index,
    comment_on_policy,
    comment_on_schema,
    comment_on_table,
    comment_on_view,
)
from .constraints import (
    Constraint,
    add_constraint,
    constraint_clause,
    constraint_definition,
    drop_constraint,
    validate_constraint,
)
from .indexes import create_index, drop_index
from .namespace import (
    add_enum_value,
    create_enum,
    create_extension,
    create_role,
    create_schema,
    drop_enum,
    drop_extension,
    drop_role,
    drop_schema,
)
from .publications import (
    add_publication_table,
    alter_publication_options,
    create_publication,
    drop_publication,
    drop_publication_table,
    set_replica_identity,
)
from .routines import (
    create_function,
    create_trigger,
    create_view,
    drop_function,
    drop_trigger,
    drop_view,
    is_constraint_trigger,
    refresh_materialized_view,
    set_trigger_enabled,
)
from .security import (
    alter_policy,
    create_policy,
    disable_rls,
    drop_policy,
    enable_rls,
    force_rls,
    grant,
    grant_columns,
    grant_target,
    no_force_rls,
    revoke,
)
from .tables import (
    add_column,
    add_columns,
    alter_column_default,
    alter_column_identity,
    alter_column_nullability,
    alter_column_type,
    column_definition,
    create_partition,
    create_table,
    detach_partition,
    drop_column,
    drop_column_expression,
    drop_partition,
    drop_table,
    partition_qualified,
    rename_column,
    rename_table,
)

import types as _types

__all__ = sorted(
    name for name, value in globals().items()
    if not name.startswith("_") and not isinstance(value, _types.ModuleType)
)
