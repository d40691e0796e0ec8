# Reference values for tally's meta-analysis of proportions (src/stats/meta/), from metafor
# (escalc, rma, predict, confint, leave1out, cumul, rma.glmm with lme4).
#
#   Rscript tests/reference/gen_meta_reference.R   (from the repository root)
#
# Writes tests/reference/meta_reference_cases.csv (the counts), meta_reference.csv (one
# value per row: case, measure, method, test, quantity, value, printed with 17 significant
# digits) and meta_reference.versions.txt. Iterative estimators are run to tight
# tolerances (threshold 1e-14, uniroot tol 1e-15, Q-profile tol 1e-14, glmer with bobyqa at
# rhoend 1e-12) so the reference is the estimator's value, not its stopping rule; the
# difference from metafor's default controls is recorded in the versions file.
suppressMessages({ library(metafor); library(lme4) })
out_dir <- "tests/reference"

cases <- list(
  k2 = data.frame(x = c(12, 30), n = c(40, 50), group = c("a", "b"), year = c(2001, 2005)),
  k3 = data.frame(x = c(5, 9, 16), n = c(20, 30, 40), group = c("a", "a", "b"), year = c(2003, 2008, 2012)),
  k12 = data.frame(
    x = c(161, 556, 803, 45, 120, 30, 210, 88, 15, 300, 64, 12),
    n = c(342, 912, 1027, 80, 170, 60, 290, 140, 40, 420, 100, 30),
    group = c("s", "n", "n", "s", "n", "s", "n", "s", "s", "n", "s", "n"),
    year = c(2001, 2004, 2006, 2008, 2009, 2010, 2012, 2013, 2015, 2016, 2018, 2019)),
  edges = data.frame(x = c(0, 20, 7, 12, 3, 40), n = c(15, 20, 25, 30, 18, 60),
                     group = c("a", "a", "b", "b", "a", "b"), year = 2001:2006),
  nohet = data.frame(x = c(10, 21, 4, 29, 8), n = c(50, 100, 20, 150, 40),
                     group = c("a", "b", "a", "b", "a"), year = 2001:2005),
  # The three Action for M.E. 2019 provider groups (data/ame_2019_get.csv's triers), the
  # review example's first counts (the example itself: gen_review_example_reference.R).
  afme = data.frame(x = c(161, 556, 803), n = c(342, 912, 1027), group = c("a", "a", "a"),
                    year = c(2019, 2019, 2019))
)

rows <- list()
put <- function(case, measure, method, test, quantity, value) {
  rows[[length(rows) + 1]] <<- data.frame(case = case, measure = measure, method = method,
    test = test, quantity = quantity, value = sprintf("%.17g", as.numeric(value)))
}
ctl <- list(threshold = 1e-14, maxiter = 10000, tol = 1e-15, ll0check = FALSE)
add_for <- function(measure) if (measure == "PFT") 0 else 1/2
back <- function(measure, ni) switch(measure,
  PR = list(f = function(x, ...) x, t = NULL),
  PLO = list(f = transf.ilogit, t = NULL),
  PLN = list(f = exp, t = NULL),
  PFT = list(f = transf.ipft.hm, t = list(ni = ni)))

fit_put <- function(case, measure, method, test, res, ni) {
  p <- predict(res)
  put(case, measure, method, test, "estimate", res$beta[1])
  put(case, measure, method, test, "se", res$se)
  put(case, measure, method, test, "pval", res$pval)
  put(case, measure, method, test, "ci.lb", res$ci.lb)
  put(case, measure, method, test, "ci.ub", res$ci.ub)
  if (!is.null(p$pi.lb)) {
    put(case, measure, method, test, "pi.lb", p$pi.lb)
    put(case, measure, method, test, "pi.ub", p$pi.ub)
  }
  put(case, measure, method, test, "tau2", res$tau2)
  put(case, measure, method, test, "QE", res$QE)
  put(case, measure, method, test, "QEp", res$QEp)
  put(case, measure, method, test, "I2", res$I2)
  put(case, measure, method, test, "H2", res$H2)
  w <- weights(res)
  for (i in seq_along(w)) put(case, measure, method, test, paste0("weight.", i), w[i])
  b <- back(measure, ni)
  pb <- predict(res, transf = b$f, targs = b$t)
  put(case, measure, method, test, "prop.estimate", pb$pred)
  put(case, measure, method, test, "prop.ci.lb", pb$ci.lb)
  put(case, measure, method, test, "prop.ci.ub", pb$ci.ub)
  if (!is.null(pb$pi.lb)) {
    put(case, measure, method, test, "prop.pi.lb", pb$pi.lb)
    put(case, measure, method, test, "prop.pi.ub", pb$pi.ub)
  }
  if (method != "EE") {
    ci <- confint(res, control = list(tol = 1e-14))$random
    put(case, measure, method, test, "tau2.lb", ci["tau^2", "ci.lb"])
    put(case, measure, method, test, "tau2.ub", ci["tau^2", "ci.ub"])
    put(case, measure, method, test, "I2.lb", ci["I^2(%)", "ci.lb"])
    put(case, measure, method, test, "I2.ub", ci["I^2(%)", "ci.ub"])
    put(case, measure, method, test, "H2.lb", ci["H^2", "ci.lb"])
    put(case, measure, method, test, "H2.ub", ci["H^2", "ci.ub"])
  }
}

methods <- c("EE", "DL", "REML", "PM", "ML", "SJ", "HE")
for (case in names(cases)) {
  d <- cases[[case]]
  for (measure in c("PR", "PLO", "PLN", "PFT")) {
    es <- escalc(measure, xi = d$x, ni = d$n, add = add_for(measure), to = "only0")
    for (i in seq_len(nrow(d))) {
      put(case, measure, "", "", paste0("yi.", i), es$yi[i])
      put(case, measure, "", "", paste0("vi.", i), es$vi[i])
    }
    for (method in methods) for (test in c("z", "knha")) {
      res <- suppressWarnings(rma(yi, vi, data = es, method = method, test = test, control = ctl))
      fit_put(case, measure, method, test, res, d$n)
    }
  }
}

# Subgroups (separate tau² per subgroup, as meta::metaprop's default) and sensitivity, on k12.
d <- cases$k12
for (measure in c("PLO", "PFT")) {
  es <- escalc(measure, xi = d$x, ni = d$n, add = add_for(measure), to = "only0")
  for (spec in list(c("REML", "knha"), c("DL", "z"), c("EE", "z"))) {
    method <- spec[1]; test <- spec[2]
    fits <- lapply(c("s", "n"), function(g)
      rma(yi, vi, data = es, subset = d$group == g, method = method, test = test, control = ctl))
    for (j in 1:2) {
      put("k12", measure, method, test, paste0("sub.", j, ".estimate"), fits[[j]]$beta[1])
      put("k12", measure, method, test, paste0("sub.", j, ".se"), fits[[j]]$se)
      put("k12", measure, method, test, paste0("sub.", j, ".tau2"), fits[[j]]$tau2)
    }
    qb <- rma(yi = sapply(fits, function(f) f$beta[1]), sei = sapply(fits, function(f) f$se), method = "EE")
    put("k12", measure, method, test, "sub.QB", qb$QE)
    put("k12", measure, method, test, "sub.QBp", qb$QEp)
    res <- rma(yi, vi, data = es, method = method, test = test, control = ctl)
    l1o <- leave1out(res, control = ctl)
    cu <- cumul(res, order = d$year)
    for (i in seq_len(nrow(d))) {
      put("k12", measure, method, test, paste0("l1o.estimate.", i), l1o$estimate[i])
      put("k12", measure, method, test, paste0("l1o.se.", i), l1o$se[i])
      if (method != "EE") put("k12", measure, method, test, paste0("l1o.tau2.", i), l1o$tau2[i])
      put("k12", measure, method, test, paste0("l1o.I2.", i), l1o$I2[i])
      put("k12", measure, method, test, paste0("cumul.estimate.", i), cu$estimate[i])
      if (method != "EE") put("k12", measure, method, test, paste0("cumul.tau2.", i), cu$tau2[i])
      if (i > 1) put("k12", measure, method, test, paste0("cumul.ci.lb.", i), cu$ci.lb[i])
    }
  }
}

# The binomial-normal GLMM (rma.glmm, measure PLO, ML, nAGQ = 7 by default).
# PIRLS (the conditional modes) to 1e-12 where lme4 manages it: the edge case needs it
# (at lme4's default tolPwrss = 1e-7 its tau² moves by 1e-4); where pwrssUpdate does not
# converge at 1e-12 the default tolPwrss is used, and the versions file says so.
glmm_tight <- list(glmerCtrl = list(optimizer = "bobyqa", tolPwrss = 1e-12,
                                    optCtrl = list(rhoend = 1e-12, maxfun = 1e5)))
glmm_loose <- list(glmerCtrl = list(optimizer = "bobyqa",
                                    optCtrl = list(rhoend = 1e-12, maxfun = 1e5)))
glmm_diff <- 0
glmm_note <- character(0)
for (case in c("k2", "k3", "k12", "edges", "nohet", "afme")) {
  d <- cases[[case]]
  res <- tryCatch(rma.glmm(measure = "PLO", xi = d$x, ni = d$n, method = "ML", control = glmm_tight),
    error = function(e) {
      glmm_note <<- c(glmm_note, case)
      rma.glmm(measure = "PLO", xi = d$x, ni = d$n, method = "ML", control = glmm_loose)
    })
  def <- suppressWarnings(rma.glmm(measure = "PLO", xi = d$x, ni = d$n, method = "ML"))
  glmm_diff <- max(glmm_diff, abs(res$beta[1] - def$beta[1]), abs(res$tau2 - def$tau2), abs(res$se - def$se))
  p <- predict(res)
  put(case, "PLO", "GLMM", "z", "estimate", res$beta[1])
  put(case, "PLO", "GLMM", "z", "se", res$se)
  put(case, "PLO", "GLMM", "z", "pval", res$pval)
  put(case, "PLO", "GLMM", "z", "ci.lb", res$ci.lb)
  put(case, "PLO", "GLMM", "z", "ci.ub", res$ci.ub)
  put(case, "PLO", "GLMM", "z", "pi.lb", p$pi.lb)
  put(case, "PLO", "GLMM", "z", "pi.ub", p$pi.ub)
  put(case, "PLO", "GLMM", "z", "tau2", res$tau2)
  put(case, "PLO", "GLMM", "z", "QE", res$QE.LRT)
  put(case, "PLO", "GLMM", "z", "QEp", res$QEp.LRT)
  put(case, "PLO", "GLMM", "z", "I2", res$I2)
  put(case, "PLO", "GLMM", "z", "H2", res$H2)
}

all <- do.call(rbind, rows)
write.csv(all, file.path(out_dir, "meta_reference.csv"), row.names = FALSE, quote = FALSE)
cs <- do.call(rbind, lapply(names(cases), function(c) data.frame(case = c, study = seq_len(nrow(cases[[c]])), cases[[c]])))
write.csv(cs, file.path(out_dir, "meta_reference_cases.csv"), row.names = FALSE, quote = FALSE)
writeLines(c(
  "command: Rscript tests/reference/gen_meta_reference.R (from the repository root)",
  paste("date:", format(Sys.Date())),
  paste("R:", R.version.string),
  paste("metafor:", packageVersion("metafor"), "(Debian r-cran-metafor)"),
  paste("lme4:", packageVersion("lme4"), "(Debian r-cran-lme4)"),
  paste("rows: meta_reference.csv =", nrow(all), ", meta_reference_cases.csv =", nrow(cs)),
  "controls: rma(control = list(threshold = 1e-14, maxiter = 10000, tol = 1e-15, ll0check = FALSE)); confint(control = list(tol = 1e-14)); rma.glmm(control = list(glmerCtrl = list(optimizer = 'bobyqa', tolPwrss = 1e-12, optCtrl = list(rhoend = 1e-12, maxfun = 1e5))))",
  sprintf("GLMM: largest |tight - default control| over estimate, tau2, se: %.3g", glmm_diff),
  paste("GLMM: tolPwrss = 1e-12 did not converge (pwrssUpdate), default tolPwrss used, for:", paste(glmm_note, collapse = ", ")),
  "tolerance (tests/it/references/meta.rs, scaled by max(1, |value|)): 1e-12 for escalc; 1e-9 for everything from rma, predict, confint, leave1out, cumul and the subgroup test (observed max 6.1e-13, REML/ML/PM included); GLMM estimate, tau2, Q, I2, H2 1e-6 (observed 9.6e-8); GLMM se, p-value and intervals 1e-5 (observed 6.9e-6: the se comes from lme4's finite-difference Hessian of a deviance evaluated to its PIRLS tolerance)"
), file.path(out_dir, "meta_reference.versions.txt"))
