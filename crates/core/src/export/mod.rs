//! Reading production exports: see the export helper.
