(* A self-contained lens for the augeas table's tests: "key = value" lines,
   comments and blank lines, in /etc/osqtest.conf and /etc/osqtest.d/*.conf. *)
module Osqtest =
  autoload xfm

  let eol = del /\n/ "\n"
  let sep = del /[ \t]*=[ \t]*/ " = "
  let entry = [ key /[A-Za-z_][A-Za-z0-9_.]*/ . sep . store /[^ \t\n]([^\n]*[^ \t\n])?/ . eol ]
  let comment = [ label "#comment" . del /#[ \t]*/ "# " . store /([^ \t\n][^\n]*)?/ . eol ]
  let empty = [ del /[ \t]*\n/ "\n" ]
  let lns = (entry | comment | empty)*
  let filter = incl "/etc/osqtest.conf" . incl "/etc/osqtest.d/*.conf"
  let xfm = transform lns filter
