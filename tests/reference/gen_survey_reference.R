# Reference values for tally's design-based estimation (src/stats/survey/) from R `survey`.
#
# Run from the repository root:
#   Rscript tests/reference/gen_survey_reference.R
# Writes, in tests/reference/:
#   survey_designs.csv    the synthetic designs (deterministic: set.seed below), one row a respondent
#   survey_reference.csv  design,lonely,domain,outcome,level,quantity,value (%.17g)
# and reads survey_4000.csv (a copy of ../shared/bench/fixtures/survey_4000.csv).
# Versions and tolerances: survey_reference.versions.txt.
suppressMessages(library(survey))
options(warn = 1)
here <- "tests/reference"

## ---------------------------------------------------------------- the data
set.seed(20261202)
mk <- function(design, stratum, psu, fpc, weight, domain, group, outcome) {
  data.frame(design = design, stratum = stratum, psu = psu, fpc = fpc,
             weight = weight, domain = domain, group = group, outcome = outcome,
             stringsAsFactors = FALSE)
}
out3 <- function(n, pr = c(0.5, 0.3, 0.2)) sample(c("yes", "no", "maybe"), n, TRUE, pr)
rows <- list()
# weighted100: one stage, no strata, weights spread 100-fold (0.5 to 50); domain c is
# tiny (3 respondents, all "yes": p = 1 and p = 0).
n <- 400
w <- round(exp(runif(n, log(0.5), log(50))), 4); w[1] <- 0.5; w[2] <- 50
dom <- sample(c("a", "b"), n, TRUE); dom[398:400] <- "c"
o <- out3(n); o[398:400] <- "yes"
rows[[1]] <- mk("weighted100", 1, seq_len(n), NA, w, dom, sample(c("g1", "g2"), n, TRUE), o)
# stratified: element sampling in 4 strata, fpc as population sizes, weights N_h / n_h.
nh <- c(40, 60, 80, 100); Nh <- c(400, 1500, 800, 5000)
s <- rep(1:4, nh)
rows[[2]] <- mk("stratified", s, seq_along(s), Nh[s], round(Nh[s] / nh[s], 4),
                sample(c("a", "b", "c"), length(s), TRUE),
                sample(c("g1", "g2"), length(s), TRUE), out3(length(s), c(.4, .4, .2)))
# clustered: 24 PSUs of 4 to 30 respondents, no strata, weights varying between PSUs and
# within them; the outcome depends on the PSU (intra-cluster correlation).
sz <- sample(4:30, 24, TRUE); psu <- rep(1:24, sz)
eff <- rnorm(24, 0, 0.8)[psu]
pr_yes <- plogis(-0.3 + eff)
o <- ifelse(runif(length(psu)) < pr_yes, "yes", sample(c("no", "maybe"), length(psu), TRUE))
rows[[3]] <- mk("clustered", 1, psu, NA, round(runif(length(psu), 1, 6) * (1 + psu %% 3), 4),
                sample(c("a", "b"), length(psu), TRUE),
                ifelse(psu %% 2 == 0, "g1", "g2"), o)
# stratclus: 5 strata of 2 to 6 PSUs, fpc as sampling fractions; domain "tiny" lies in a
# single PSU (df 0), domain "edge" has only "no" answers (p = 0 and 1).
np <- c(2, 3, 4, 5, 6); frac <- c(0.1, 0.25, 0.05, 0.5, 0.02)
st <- rep(1:5, np); ps <- seq_along(st)
sz <- sample(5:25, length(ps), TRUE)
S <- rep(st, sz); P <- rep(ps, sz)
eff <- rnorm(length(ps), 0, 0.6)[P]
o <- ifelse(runif(length(P)) < plogis(eff), "yes", sample(c("no", "maybe"), length(P), TRUE))
dom <- sample(c("a", "b"), length(P), TRUE)
tiny <- which(P == 7)[1:3]; dom[tiny] <- "tiny"
edge <- c(which(P == 10)[1:3], which(P == 12)[1:3]); dom[edge] <- "edge"; o[edge] <- "no"
rows[[4]] <- mk("stratclus", S, P, frac[S], round(runif(length(P), 2, 40), 4), dom,
                sample(c("g1", "g2"), length(P), TRUE), o)
# lonely: stratified cluster design whose stratum 3 has a single PSU.
np <- c(3, 4, 1, 3); st <- rep(1:4, np); ps <- seq_along(st)
sz <- sample(6:20, length(ps), TRUE); S <- rep(st, sz); P <- rep(ps, sz)
rows[[5]] <- mk("lonely", S, P, NA, round(runif(length(P), 1, 9), 4),
                sample(c("a", "b"), length(P), TRUE),
                sample(c("g1", "g2"), length(P), TRUE), out3(length(P)))
syn <- do.call(rbind, rows)
write.csv(syn, file.path(here, "survey_designs.csv"), row.names = FALSE, na = "")

## ---------------------------------------------------------------- the designs
s4 <- read.csv(file.path(here, "survey_4000.csv"), stringsAsFactors = FALSE)
s4$domain <- paste(s4$treatment, s4$provider, sep = "/")
s4$group <- s4$provider
designs <- list()
designs$s4000_unweighted <- list(des = svydesign(ids = ~1, weights = ~rep(1, nrow(s4)), data = s4),
                                 lonely = "fail", rs = TRUE)
designs$s4000_weighted <- list(des = svydesign(ids = ~1, weights = ~weight, data = s4),
                               lonely = "fail", rs = TRUE)
syn_of <- function(nm) syn[syn$design == nm, ]
designs$weighted100 <- list(des = svydesign(ids = ~1, weights = ~weight, data = syn_of("weighted100")),
                            lonely = "fail", rs = TRUE)
designs$stratified <- list(des = svydesign(ids = ~1, strata = ~stratum, fpc = ~fpc, weights = ~weight,
                                           data = syn_of("stratified")), lonely = "fail", rs = TRUE)
designs$clustered <- list(des = svydesign(ids = ~psu, weights = ~weight, data = syn_of("clustered")),
                          lonely = "fail", rs = TRUE)
designs$stratclus <- list(des = svydesign(ids = ~psu, strata = ~stratum, fpc = ~fpc, weights = ~weight,
                                          data = syn_of("stratclus")), lonely = "fail", rs = TRUE)
for (lp in c("certainty", "remove", "adjust", "average")) {
  designs[[paste0("lonely_", lp)]] <- list(
    des = svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, data = syn_of("lonely")),
    lonely = lp, rs = lp != "average")
}

## ---------------------------------------------------------------- the estimates
res <- list()
put <- function(design, lonely, domain, outcome, level, quantity, value) {
  res[[length(res) + 1]] <<- data.frame(design = design, lonely = lonely, domain = domain,
    outcome = outcome, level = level, quantity = quantity,
    value = sprintf("%.17g", as.numeric(value)), stringsAsFactors = FALSE)
}
ci <- function(f, d, method, level) {
  r <- tryCatch(suppressWarnings(attr(svyciprop(f, d, method = method, level = level), "ci")),
                error = function(e) c(NaN, NaN))
  as.numeric(r)
}
# svyciprop(method = "likelihood") interpolates a spline through ten profile points, so its
# bounds are only ~1e-5 accurate. This finds the same bounds exactly: the roots, in the
# intercept, of svyglm's scaled profile deviance (dev(b) - dev(b^)) / dispersion = t^2 lambda,
# lambda = cov.unscaled / naive.cov (at convergence, below), the criterion confint.svyglm(method =
# "likelihood") interpolates (MASSprofile_glm, confint_profile), with uniroot(tol = 1e-15).
lik_exact <- function(sd, level) {
  df <- degf(sd)
  if (df < 1) return(c(NaN, NaN))
  g <- suppressWarnings(svyglm(y ~ 1, sd, family = quasibinomial))
  b0 <- coef(g)[[1]]; se <- sqrt(vcov(g)[1, 1])
  pm <- coef(svymean(~y, sd))[[1]]
  if (!is.finite(se) || se == 0 || pm == 0 || pm == 1) return(c(NaN, NaN))
  # lambda at convergence: n v / (p (1 - p)). svyglm's own cov.unscaled / naive.cov uses the
  # IRLS working weights of the last iteration but one, off by ~3e-6 relative here.
  m <- svymean(~y, sd)
  lambda <- nrow(sd) * vcov(m)[1, 1] / (coef(m)[[1]] * (1 - coef(m)[[1]]))
  phi <- summary(g)$dispersion[1]
  W <- g$prior.weights; y <- g$y; dev0 <- deviance(g)
  cut <- qt((1 - level) / 2, df)^2 * lambda
  zz <- function(b) sum(binomial()$dev.resids(y, rep(plogis(b), length(y)), W)) - dev0 - cut * phi
  lo <- uniroot(zz, c(b0 - 60 * se, b0), tol = 1e-15)$root
  hi <- uniroot(zz, c(b0, b0 + 60 * se), tol = 1e-15)$root
  plogis(c(lo, hi))
}
levels_of <- function(des) sort(unique(des$variables$outcome))
domains_of <- function(des) {
  k <- sort(unique(des$variables$domain))
  tops <- unique(sub("/.*", "", k[grepl("/", k)]))
  c("(all)", sort(tops), k)
}
in_domain <- function(des, dn) {
  k <- des$variables$domain
  if (dn == "(all)") rep(TRUE, length(k)) else k == dn | startsWith(k, paste0(dn, "/"))
}
for (dname in names(designs)) {
  D <- designs[[dname]]; des <- D$des; lp <- D$lonely
  options(survey.lonely.psu = lp)
  put(dname, lp, "(all)", "", "", "design_df", degf(des))
  for (dn in domains_of(des)) {
    sd <- des[in_domain(des, dn), ]
    for (k in levels_of(des)) {
      sd$variables$y <- as.numeric(sd$variables$outcome == k)
      m <- svymean(~y, sd, deff = TRUE)
      mr <- svymean(~y, sd, deff = "replace")
      p <- coef(m)[[1]]; v <- vcov(m)[[1]]
      n <- nrow(sd); df <- degf(sd); w <- weights(sd)
      put(dname, lp, dn, k, "", "n", n)
      put(dname, lp, dn, k, "", "sum_w", sum(w))
      put(dname, lp, dn, k, "", "p", p)
      put(dname, lp, dn, k, "", "se", sqrt(v))
      put(dname, lp, dn, k, "", "df", df)
      put(dname, lp, dn, k, "", "deff", attr(m, "deff")[[1]])
      put(dname, lp, dn, k, "", "deff_replace", attr(mr, "deff")[[1]])
      # Kish (1965): not in survey; base R from the weights.
      put(dname, lp, dn, k, "", "kish_deff", n * sum(w^2) / sum(w)^2)
      put(dname, lp, dn, k, "", "kish_n", sum(w)^2 / sum(w^2))
      for (level in c(0.95, 0.9)) {
        a <- 1 - level
        neff <- p * (1 - p) / v * (qt(a / 2, n - 1) / qt(a / 2, df))^2
        put(dname, lp, dn, k, level, "n_eff", neff)
        for (meth in c("logit", "likelihood", "asin", "beta", "mean", "xlogit")) {
          r <- ci(~y, sd, meth, level)
          put(dname, lp, dn, k, level, paste0(meth, "_lower"), r[1])
          put(dname, lp, dn, k, level, paste0(meth, "_upper"), r[2])
        }
        r <- lik_exact(sd, level)
        put(dname, lp, dn, k, level, "likexact_lower", r[1])
        put(dname, lp, dn, k, level, "likexact_upper", r[2])
        # Wilson and Jeffreys on the effective n (Korn-Graubard's n*, as svyciprop's beta
        # method uses it): closed forms (Wilson 1927; Jeffreys as in Brown, Cai and
        # DasGupta 2001), written here in base R; not in survey.
        z <- qnorm(1 - a / 2); x <- p * neff
        cen <- (x + z^2 / 2) / (neff + z^2)
        hw <- z * sqrt(neff) / (neff + z^2) * sqrt(p * (1 - p) + z^2 / (4 * neff))
        put(dname, lp, dn, k, level, "wilson_lower", cen - hw)
        put(dname, lp, dn, k, level, "wilson_upper", cen + hw)
        put(dname, lp, dn, k, level, "jeffreys_lower",
            if (p == 0) 0 else qbeta(a / 2, x + 0.5, neff - x + 0.5))
        put(dname, lp, dn, k, level, "jeffreys_upper",
            if (p == 1) 1 else qbeta(1 - a / 2, x + 0.5, neff - x + 0.5))
      }
    }
  }
  # Differences and ratios of two domains (svyby with covmat = TRUE, then svycontrast).
  keys <- sort(unique(des$variables$domain))
  pairs <- if (any(grepl("/", keys))) {
    tops <- unique(sub("/.*", "", keys))
    lapply(tops, function(t) keys[startsWith(keys, paste0(t, "/"))][1:2])
  } else list(keys[1:2])
  for (pr in pairs) {
    sd <- des[des$variables$domain %in% pr, ]
    for (k in levels_of(des)) {
      sd$variables$y <- as.numeric(sd$variables$outcome == k)
      b <- svyby(~y, ~domain, sd, svymean, covmat = TRUE)
      nm <- paste(pr, collapse = "|")
      cv <- vcov(b)
      put(dname, lp, nm, k, "", "cov", cv[1, 2])
      dd <- svycontrast(b, c(1, -1))
      put(dname, lp, nm, k, "", "diff", coef(dd)[[1]])
      put(dname, lp, nm, k, "", "diff_se", SE(dd)[[1]])
      rr <- svycontrast(b, str2lang(sprintf("`%s` / `%s`", pr[1], pr[2])))
      put(dname, lp, nm, k, "", "ratio", coef(rr)[[1]])
      put(dname, lp, nm, k, "", "ratio_se", SE(rr)[[1]])
      lo <- svycontrast(b, str2lang(sprintf("log(`%s` / (1 - `%s`)) - log(`%s` / (1 - `%s`))",
                                            pr[1], pr[1], pr[2], pr[2])))
      put(dname, lp, nm, k, "", "log_or", coef(lo)[[1]])
      put(dname, lp, nm, k, "", "log_or_se", SE(lo)[[1]])
    }
  }
  # Rao-Scott on group x outcome over the whole design.
  if (D$rs) {
    f <- svychisq(~group + outcome, des, statistic = "F")
    ch <- svychisq(~group + outcome, des, statistic = "Chisq")
    pe <- suppressWarnings(chisq.test(svytable(~group + outcome, des, Ntotal = nrow(des)),
                                      correct = FALSE))
    put(dname, lp, "(all)", "group", "", "pearson", pe$statistic)
    put(dname, lp, "(all)", "group", "", "rs_f", f$statistic)
    put(dname, lp, "(all)", "group", "", "rs_f_ndf", f$parameter[["ndf"]])
    put(dname, lp, "(all)", "group", "", "rs_f_ddf", f$parameter[["ddf"]])
    put(dname, lp, "(all)", "group", "", "rs_f_p", f$p.value)
    # svychisq(statistic = "Chisq") reports the uncorrected Pearson X^2 as its statistic;
    # its p-value is that of X^2 / mean(delta) on (r-1)(c-1) df.
    put(dname, lp, "(all)", "group", "", "rs_chisq_reported", ch$statistic)
    put(dname, lp, "(all)", "group", "", "rs_chisq_df", ch$parameter[["df"]])
    put(dname, lp, "(all)", "group", "", "rs_chisq_p", ch$p.value)
  }
}
out <- do.call(rbind, res)
write.csv(out, file.path(here, "survey_reference.csv"), row.names = FALSE, quote = FALSE)
cat("wrote", nrow(out), "rows\n")
