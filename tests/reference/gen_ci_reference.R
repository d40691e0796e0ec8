# Cross-check values for tests/reference/ci_reference.csv, computed with base R only
# (stats::qbeta / pbinom / dbinom / uniroot / prop.test / binom.test).
# Called by gen_ci_reference.py:  Rscript gen_ci_reference.R GRID_CSV OUT_CSV [EXACTCI_R_DIR]
#   GRID_CSV : columns x,n,level (written by the Python script)
#   OUT_CSV  : columns peer,method,x,n,level,lower,upper
#   EXACTCI_R_DIR (optional): a directory holding exactci's R/ sources
#     (exactbinomCI.R, exactbinomPvals.R); if given, exactci's Blaker interval is
#     added as peer "r-exactci" (tol 1e-9; n <= 1000 only, it is O(n) per p-value).
# Nothing here is the reference itself; the Python script compares and reports.

args <- commandArgs(trailingOnly = TRUE)
grid <- read.csv(args[1])
out_path <- args[2]
exactci_dir <- if (length(args) >= 3) args[3] else ""

TINY <- .Machine$double.xmin
root <- function(f, lo, hi) uniroot(f, c(lo, hi), tol = TINY, maxiter = 100000)$root

cp <- function(x, n, a) c(if (x == 0) 0 else qbeta(a / 2, x, n - x + 1),
                          if (x == n) 1 else qbeta(1 - a / 2, x + 1, n - x))

jeffreys <- function(x, n, a) c(if (x == 0) 0 else qbeta(a / 2, x + 0.5, n - x + 0.5),
                                if (x == n) 1 else qbeta(1 - a / 2, x + 0.5, n - x + 0.5))

midp <- function(x, n, a) {
  h <- a / 2
  lo <- if (x == 0) 0 else if (x == n) exp(log(a) / n) else
    root(function(p) pbinom(x, n, p, lower.tail = FALSE) + 0.5 * dbinom(x, n, p) - h,
         qbeta(h, x, n - x + 1), qbeta(h, x + 1, n - x))
  hi <- if (x == n) 1 else if (x == 0) -expm1(log(a) / n) else
    root(function(p) pbinom(x - 1, n, p) + 0.5 * dbinom(x, n, p) - h,
         qbeta(1 - h, x, n - x + 1), qbeta(1 - h, x + 1, n - x))
  c(lo, hi)
}

lr <- function(x, n, a) {
  c2 <- qchisq(1 - a, 1)
  if (x == 0) return(c(0, -expm1(-c2 / (2 * n))))
  if (x == n) return(c(exp(-c2 / (2 * n)), 1))
  ph <- x / n
  D <- function(p) {
    d <- p - ph; u <- d / ph; v <- d / (1 - p)
    t1 <- if (abs(u) < 0.5) log1p(u) else log(p / ph)
    t2 <- if (abs(v) < 0.5) log1p(v) else log1p(-ph) - log1p(-p)
    2 * ((n - x) * t2 - x * t1) - c2
  }
  c(root(D, ph * 1e-15, ph), root(D, ph, 1 - .Machine$double.neg.eps))
}

# Blaker (2000): lower = inf{p : a(x,p) > alpha}, upper = sup{...} (hull of the set).
blaker <- function(x, n, a) {
  h <- a / 2
  lo <- 0
  if (x > 0) {
    pl <- qbeta(h, x, n - x + 1)                      # CP lower: P(X>=x) = alpha/2
    ks <- 0:(x - 1)
    ok <- which(pbinom(ks, n, pl) <= h)
    k0 <- if (length(ok)) max(ks[ok]) else -1          # opposite tail at pl
    k1 <- k0 + 1
    b <- root(function(p) pbinom(k1, n, p) - pbinom(x - 1, n, p, lower.tail = FALSE), pl, x / n)
    g <- function(p) pbinom(x - 1, n, p, lower.tail = FALSE) + (if (k0 >= 0) pbinom(k0, n, p) else 0) - a
    lo <- if (g(b) > 0) root(g, pl, b) else b
  }
  hi <- 1
  if (x < n) {
    pu <- qbeta(1 - h, x + 1, n - x)                  # CP upper: P(X<=x) = alpha/2
    js <- (x + 1):n
    ok <- which(pbinom(js - 1, n, pu, lower.tail = FALSE) <= h)
    j0 <- if (length(ok)) min(js[ok]) else n + 1
    j1 <- j0 - 1
    b <- root(function(p) pbinom(j1 - 1, n, p, lower.tail = FALSE) - pbinom(x, n, p), x / n, pu)
    g <- function(p) pbinom(x, n, p) + (if (j0 <= n) pbinom(j0 - 1, n, p, lower.tail = FALSE) else 0) - a
    hi <- if (g(b) > 0) root(g, b, pu) else b
  }
  c(lo, hi)
}

have_exactci <- nzchar(exactci_dir)
if (have_exactci) {
  source(file.path(exactci_dir, "exactbinomPvals.R"))
  source(file.path(exactci_dir, "exactbinomCI.R"))
}

rows <- list()
add <- function(peer, method, x, n, lv, ci) {
  rows[[length(rows) + 1]] <<- data.frame(peer = peer, method = method, x = x, n = n, level = lv,
                                          lower = sprintf("%.17g", ci[1]), upper = sprintf("%.17g", ci[2]))
}
for (i in seq_len(nrow(grid))) {
  x <- grid$x[i]; n <- grid$n[i]; lv <- grid$level[i]; a <- 1 - lv
  add("r-qbeta", "clopper-pearson", x, n, lv, cp(x, n, a))
  if (n <= 100000) add("r-binom.test", "clopper-pearson", x, n, lv,
                       as.numeric(binom.test(x, n, conf.level = lv)$conf.int))
  add("r-qbeta", "jeffreys", x, n, lv, jeffreys(x, n, a))
  add("r-uniroot", "mid-p", x, n, lv, midp(x, n, a))
  add("r-uniroot", "likelihood-ratio", x, n, lv, lr(x, n, a))
  add("r-prop.test", "wilson", x, n, lv,
      as.numeric(suppressWarnings(prop.test(x, n, conf.level = lv, correct = FALSE))$conf.int))
  add("r-prop.test-correct", "wilson-cc", x, n, lv,
      as.numeric(suppressWarnings(prop.test(x, n, conf.level = lv, correct = TRUE))$conf.int))
  if (n <= 100000) add("r-pbinom", "blaker", x, n, lv, blaker(x, n, a))
  if (have_exactci && n <= 1000) {
    ci <- suppressWarnings(exactbinomCI(x, n, tsmethod = "blaker", conf.level = lv, tol = 1e-9))
    add("r-exactci", "blaker", x, n, lv, as.numeric(ci))
  }
}
out <- do.call(rbind, rows)
write.csv(out, out_path, row.names = FALSE, quote = FALSE)
cat(R.version.string, "\n", sep = "")
