# LA_SONAME(VARIABLE, LIBS, FUNCTION, DESCRIPTION)
# Defines VARIABLE (in config.h, a string) as the soname that a program
# calling FUNCTION and linked with LIBS records as needed: the name the
# shim passes to dlopen for a library it loads only when it audits.
AC_DEFUN([LA_SONAME], [
  AC_REQUIRE([AC_PROG_CC])
  AC_CHECK_TOOL([READELF], [readelf], [])
  AS_IF([test -z "$READELF"], [AC_MSG_ERROR([readelf not found: install the Debian package binutils])])
  AC_CACHE_CHECK([the soname of $4], [la_cv_soname_$1], [
    la_save_LIBS=$LIBS
    LIBS="$2 $LIBS"
    AC_LINK_IFELSE([AC_LANG_CALL([], [$3])],
      [la_cv_soname_$1=`$READELF -d conftest$EXEEXT | sed -n 's/.*(NEEDED).*\@<:@\(.*\)\@:>@$/\1/p' | grep -v -e '^libc\.so' -e '^ld-linux' | head -n 1`],
      [la_cv_soname_$1=])
    LIBS=$la_save_LIBS])
  AS_IF([test -z "$la_cv_soname_$1"], [AC_MSG_ERROR([cannot tell the soname of $4 (linked with $2)])])
  AC_DEFINE_UNQUOTED([$1], ["$la_cv_soname_$1"], [the soname of $4, for dlopen])
])
