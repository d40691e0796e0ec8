# Reference values for src/stats/selection.rs: Manski's response-rate bounds, the
# Imbens-Manski (2004) interval and the selection-ratio crossing, computed independently in
# base R (closed forms written out here; C by uniroot to 1e-15 on the equation of
# Imbens and Manski 2004, eq. 6).
#   Rscript tests/reference/gen_selection_reference.R
# writes tests/reference/selection_reference.csv (%.17g). Versions and tolerance:
# selection_reference.versions.txt.
out <- file.path("tests", "reference", "selection_reference.csv")
cases <- expand.grid(
  x = c(0, 1, 3, 17, 240, 399, 400),
  d = c(400, 1000),
  m = c(0, 1, 25, 600, 20000),
  level = c(0.9, 0.95, 0.99)
)
cases <- cases[cases$x <= cases$d, ]
# tiny cases: a handful of respondents
tiny <- expand.grid(x = 0:3, d = 3, m = c(0, 2, 50), level = 0.95)
cases <- rbind(cases, tiny)
rows <- list()
for (i in seq_len(nrow(cases))) {
  x <- cases$x[i]; d <- cases$d[i]; m <- cases$m[i]; level <- cases$level[i]
  b <- d + m
  lo <- x / b
  up <- (x + m) / b
  sl <- sqrt(lo * (1 - lo) / b)
  su <- sqrt(up * (1 - up) / b)
  s <- max(sl, su)
  delta <- up - lo
  if (delta <= 0) {
    C <- qnorm(1 - (1 - level) / 2)
  } else if (s <= 0) {
    C <- 0
  } else {
    f <- function(c) pnorm(c + delta / s) - pnorm(-c) - level
    C <- uniroot(f, c(qnorm(level) - 1e-9, qnorm(1 - (1 - level) / 2) + 1e-9),
                 tol = 1e-15)$root
  }
  rows[[i]] <- data.frame(
    x = x, d = d, m = m, level = level,
    lower = lo, upper = up,
    ci_lower = max(0, lo - C * sl), ci_upper = min(1, up + C * su),
    critical = C
  )
}
res <- do.call(rbind, rows)
# selection-ratio crossings: gamma with p / (p + gamma (1 - p)) = t
cr <- expand.grid(p = c(0.01, 0.2, 0.38, 0.5, 0.61, 0.74, 0.999), t = c(0.1, 0.5, 0.6))
cr$gamma <- (cr$p / (1 - cr$p)) / (cr$t / (1 - cr$t))
# check by solving the equation itself
cr$gamma_root <- mapply(function(p, t) {
  uniroot(function(g) p / (p + g * (1 - p)) - t, c(1e-9, 1e9), tol = 1e-14)$root
}, cr$p, cr$t)
stopifnot(all(abs(cr$gamma - cr$gamma_root) / cr$gamma < 1e-8))
fmt <- function(v) sprintf("%.17g", v)
con <- file(out, "w")
writeLines("kind,x,d,m,level,lower,upper,ci_lower,ci_upper,critical", con)
for (i in seq_len(nrow(res))) {
  r <- res[i, ]
  writeLines(paste("bounds", r$x, r$d, r$m, r$level, fmt(r$lower), fmt(r$upper),
                   fmt(r$ci_lower), fmt(r$ci_upper), fmt(r$critical), sep = ","), con)
}
for (i in seq_len(nrow(cr))) {
  r <- cr[i, ]
  writeLines(paste("crossing", fmt(r$p), "", "", fmt(r$t), "", "", "", "", fmt(r$gamma),
                   sep = ","), con)
}
close(con)
cat("wrote", out, nrow(res) + nrow(cr), "rows\n")
