#!/usr/bin/env Rscript
# Reference values for the judge tests, computed with R (>= 4.2) and base functions only:
# lbeta/lgamma for the count tests, closed forms for the mSPRT, wilcox.test for the
# Kayenta-compatible Mann-Whitney interval. Writes tests/data/judge/*.json.
# Run from the repository root: Rscript tests/judge/make_reference.R

out_dir <- file.path("tests", "data", "judge")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

# --- a tiny JSON writer: numbers with 17 significant digits, so doubles round-trip -----------
num <- function(x) {
  if (length(x) != 1) stop("scalar expected")
  if (is.na(x)) return("null")
  if (is.infinite(x)) return(if (x > 0) "\"inf\"" else "\"-inf\"")
  sprintf("%.17g", x)
}
arr <- function(v) paste0("[", paste(vapply(v, num, ""), collapse = ", "), "]")
obj <- function(...) {
  kv <- list(...)
  paste0("{", paste(sprintf("\"%s\": %s", names(kv), unlist(kv)), collapse = ", "), "}")
}
write_cases <- function(file, cases) {
  txt <- paste0("[\n  ", paste(cases, collapse = ",\n  "), "\n]\n")
  writeLines(txt, file.path(out_dir, file), sep = "")
}

# --- mSPRT (Johari et al.): log Lambda_n and the closed-form confidence interval -------------
log_lambda <- function(n, V, tau2, delta, theta0)
  0.5 * log(V / (V + n * tau2)) + n^2 * tau2 * (delta - theta0)^2 / (2 * V * (V + n * tau2))
half_width <- function(v, tau2, alpha)
  sqrt(v * (v + tau2) / tau2 * (2 * log(1 / alpha) + log(1 + tau2 / v)))

msprt <- list()
grid <- expand.grid(n = c(1, 10, 250, 5000), V = c(0.5, 2, 30), tau2 = c(0.01, 1),
                    delta = c(-0.7, 0.05, 1.3), theta0 = c(0, 0.4))
for (i in seq_len(nrow(grid))) {
  g <- grid[i, ]
  msprt[[length(msprt) + 1]] <- obj(
    kind = "\"formula\"", n = num(g$n), V = num(g$V), tau2 = num(g$tau2), delta = num(g$delta),
    theta0 = num(g$theta0), logLambda = num(log_lambda(g$n, g$V, g$tau2, g$delta, g$theta0)),
    halfWidth05 = num(half_width(g$V / g$n, g$tau2, 0.05)))
}
# Data cases: the contrast theta = mean(canary) - c mean(baseline), known or plug-in variance.
set.seed(20240601)
for (k in 1:4) {
  x <- round(rnorm(40 + 7 * k, 10, 2), 6)   # baseline
  y <- round(rnorm(25 + 5 * k, 10.5, 3), 6) # canary
  cc <- c(1, 1, 1.1, 0.9)[k]
  tau <- c(0.5, 1, 2, 0.25)[k]
  known <- k %% 2 == 1
  sA <- if (known) 2 else sd(x)
  sB <- if (known) 3 else sd(y)
  est <- mean(y) - cc * mean(x)
  v <- sB^2 / length(y) + cc^2 * sA^2 / length(x)
  ll <- 0.5 * log(v / (v + tau^2)) + tau^2 * est^2 / (2 * v * (v + tau^2))
  msprt[[length(msprt) + 1]] <- obj(
    kind = "\"data\"", baseline = arr(x), canary = arr(y), contrast = num(cc), tau = num(tau),
    sigmaBaseline = num(if (known) sA else NA), sigmaCanary = num(if (known) sB else NA),
    estimate = num(est), variance = num(v), logLambda = num(ll),
    lower05 = num(est - half_width(v, tau^2, 0.05)), upper05 = num(est + half_width(v, tau^2, 0.05)))
}
# Proportions: plug-in variance with (x + 1/2) / (n + 1).
for (cs in list(c(1000, 30, 400, 21), c(50, 0, 60, 3), c(20000, 511, 2500, 80), c(7, 7, 9, 2))) {
  nA <- cs[1]; xA <- cs[2]; nB <- cs[3]; xB <- cs[4]
  qA <- (xA + 0.5) / (nA + 1); qB <- (xB + 0.5) / (nB + 1)
  est <- xB / nB - xA / nA
  v <- qA * (1 - qA) / nA + qB * (1 - qB) / nB
  tau <- 0.02
  ll <- 0.5 * log(v / (v + tau^2)) + tau^2 * est^2 / (2 * v * (v + tau^2))
  msprt[[length(msprt) + 1]] <- obj(
    kind = "\"proportion\"", nA = num(nA), xA = num(xA), nB = num(nB), xB = num(xB), tau = num(tau),
    estimate = num(est), variance = num(v), logLambda = num(ll))
}
write_cases("msprt.json", msprt)

# --- count tests (Lindon and Malek): two-arm lbeta form and k-arm lgamma form -----------------
two_arm <- function(nA, nB, rho, a, b)
  lbeta(a + nB, b + nA) - lbeta(a, b) - nB * log(rho) - nA * log(1 - rho)
k_arm <- function(n, rho, alpha)
  (sum(lgamma(alpha + n)) - lgamma(sum(alpha + n))) - (sum(lgamma(alpha)) - lgamma(sum(alpha))) -
  sum(n * log(rho))

count <- list()
for (cs in list(c(0, 0, 0.5), c(3, 1, 0.1), c(120, 31, 0.2), c(900, 110, 0.1), c(40, 80, 0.5),
                c(5000, 260, 0.05), c(25, 0, 0.3), c(0, 14, 0.25), c(70000, 8000, 0.1),
                c(12, 19, 0.6))) {
  for (m in c(100, 1, 10)) {
    nA <- cs[1]; nB <- cs[2]; rho <- cs[3]
    count[[length(count) + 1]] <- obj(
      kind = "\"twoArm\"", nA = num(nA), nB = num(nB), rho = num(rho), a = num(m * rho),
      b = num(m * (1 - rho)), logBF = num(two_arm(nA, nB, rho, m * rho, m * (1 - rho))))
  }
}
for (cs in list(list(c(10, 30, 60), c(0.1, 0.3, 0.6)), list(c(5, 50, 45), c(0.1, 0.3, 0.6)),
                list(c(400, 380, 420, 900), c(0.2, 0.2, 0.2, 0.4)), list(c(1, 0, 2), c(0.5, 0.25, 0.25)))) {
  n <- cs[[1]]; rho <- cs[[2]]
  count[[length(count) + 1]] <- obj(
    kind = "\"kArm\"", counts = arr(n), allocation = arr(rho), concentration = arr(100 * rho),
    logBF = num(k_arm(n, rho, 100 * rho)))
}

# Batch-by-batch recursion with time-varying allocation (docs/statistics-sequential.md):
# beta-binomial predictive per segment of constant allocation; at a change of allocation the
# posterior pseudo-counts keep their implied intensity ratio and their Fisher information.
remap <- function(from, to, a) {
  m <- sum(a); th <- a / m; info <- sum(a * (1 - th))
  t <- to * a / from; t <- t / sum(t)
  info / sum(t * (1 - t)) * t
}
lmvbeta <- function(a) sum(lgamma(a)) - lgamma(sum(a))
run_sequence <- function(counts, alloc, m) {
  # counts, alloc: matrices, one row per batch, one column per arm
  K <- nrow(counts); out <- numeric(K)
  started <- FALSE; LPb <- 0; LNb <- 0; LP <- 0; LN <- 0
  for (k in 1:K) {
    n <- counts[k, ]; r <- alloc[k, ]
    if (sum(n) == 0) { out[k] <- LP - LN; next }
    if (!started) { started <- TRUE; segA <- r; prior <- m * r; seg <- 0 * n }
    else if (any(r != segA)) {
      LPb <- LP; LNb <- LN
      prior <- remap(segA, r, prior + seg); segA <- r; seg <- 0 * n
    }
    seg <- seg + n
    lb <- if (length(n) == 2) lbeta(prior[1] + seg[1], prior[2] + seg[2]) - lbeta(prior[1], prior[2])
          else lmvbeta(prior + seg) - lmvbeta(prior)
    LP <- LPb + lb
    LN <- LNb + sum(ifelse(seg > 0, seg * log(segA), 0))
    out[k] <- LP - LN
  }
  list(logBF = out, logPredictive = LP)
}
# Rate-ratio confidence set at the last batch: {r : loglik(log r) > logPredictive - log(1/alpha)}.
rate_interval <- function(nA, nB, rho, LP, alpha) {
  groups <- aggregate(cbind(nA, nB) ~ rho, data = data.frame(nA, nB, rho), FUN = sum)
  lr <- log(groups$rho) - log1p(-groups$rho)
  ll <- function(d) sum(groups$nB * (d + lr) - (groups$nA + groups$nB) * log1p(exp(d + lr)))
  score <- function(d) sum(groups$nB - (groups$nA + groups$nB) * plogis(d + lr))
  peak <- uniroot(score, c(-30, 30), tol = 1e-14)$root
  c0 <- LP - log(1 / alpha)
  f <- function(d) ll(d) - c0
  lo <- uniroot(f, c(peak - 30, peak), tol = 1e-14)$root
  hi <- uniroot(f, c(peak, peak + 30), tol = 1e-14)$root
  c(exp(peak), exp(lo), exp(hi))
}
set.seed(7)
weights <- c(0.05, 0.05, 0.1, 0.1, 0.2, 0.2, 0.3, 0.3, 0.4, 0.5, 0.5, 0.5)
for (case in 1:3) {
  K <- length(weights)
  rho <- if (case == 1) rep(0.1, K) else weights
  lam <- 200 * (1 + 0.5 * sin(1:K))
  ratio <- c(1, 1, 1.6)[case]
  nB <- rpois(K, lam * rho * ratio); nA <- rpois(K, lam * (1 - rho))
  res <- run_sequence(cbind(nB, nA), cbind(rho, 1 - rho), 100)
  iv <- rate_interval(nA, nB, rho, res$logPredictive, 0.05)
  count[[length(count) + 1]] <- obj(
    kind = "\"sequence\"", nA = arr(nA), nB = arr(nB), rho = arr(rho), concentration = num(100),
    logBF = arr(res$logBF), alpha = num(0.05), estimate = num(iv[1]), lower = num(iv[2]),
    upper = num(iv[3]))
}
# k-arm sequence, allocation changing twice.
cnt <- rbind(c(3, 20, 80), c(5, 18, 77), c(10, 31, 60), c(9, 40, 55), c(30, 30, 41))
al <- rbind(c(0.05, 0.15, 0.8), c(0.05, 0.15, 0.8), c(0.1, 0.3, 0.6), c(0.1, 0.3, 0.6),
            c(0.25, 0.25, 0.5))
res <- run_sequence(cnt, al, 100)
count[[length(count) + 1]] <- obj(
  kind = "\"kArmSequence\"", counts = arr(as.vector(t(cnt))), allocation = arr(as.vector(t(al))),
  arms = num(3), concentration = num(100), logBF = arr(res$logBF))
write_cases("count_test.json", count)

# --- Kayenta-compatible Mann-Whitney: R's interval, Kayenta's corrected estimate ---------------
wdiff_corrected <- function(d, zq, x, y) {
  dr <- rank(c(x - d, y))
  nx <- length(x); ny <- length(y)
  dz <- sum(dr[seq_along(x)]) - nx * (nx + 1) / 2 - nx * ny / 2
  nt <- table(dr)
  sigma <- sqrt((nx * ny / 12) * ((nx + ny + 1) - sum(nt^3 - nt) / ((nx + ny) * (nx + ny - 1))))
  (dz - sign(dz) * 0.5) / sigma - zq
}
mw <- list()
set.seed(11)
samples <- list(
  list(x = c(10, 20, 30, 40, 55, 61), y = c(1, 2, 3, 4, 7, 9)),
  list(x = round(rlnorm(30, log(100), 0.25), 3), y = round(rlnorm(30, log(100), 0.25), 3)),
  list(x = round(rlnorm(60, log(110), 0.25), 3), y = round(rlnorm(60, log(100), 0.25), 3)),
  list(x = round(rnorm(24, 50, 5), 2), y = round(rnorm(36, 45, 5), 2)),
  list(x = round(rnorm(40, 5, 1)), y = round(rnorm(30, 4, 1))),  # heavy ties
  list(x = round(rexp(50, 1 / 20), 1), y = round(rexp(44, 1 / 25), 1)),
  # significant at 2% but inside the +-0.25 |estimate| band
  list(x = round(qnorm(ppoints(200), 100.42, 1.5), 4), y = round(qnorm(ppoints(200), 100, 1.5), 4)))
for (s in samples) {
  x <- s$x; y <- s$y  # x = experiment (canary), y = control (baseline)
  w <- suppressWarnings(wilcox.test(x, y, conf.int = TRUE, conf.level = 0.98, exact = FALSE,
                                    correct = TRUE))
  mumin <- min(x) - max(y); mumax <- max(x) - min(y)
  est <- uniroot(wdiff_corrected, c(mumin, mumax), tol = 1e-4, zq = 0, x = x, y = y)$root
  est_tight <- uniroot(wdiff_corrected, c(mumin, mumax), tol = 1e-12, zq = 0, x = x, y = y)$root
  mw[[length(mw) + 1]] <- obj(
    experiment = arr(x), control = arr(y), lower = num(w$conf.int[1]), upper = num(w$conf.int[2]),
    rEstimate = num(unname(w$estimate)), kayentaEstimate = num(est),
    kayentaEstimateTight = num(est_tight))
}
write_cases("kayenta_mann_whitney.json", mw)
cat("wrote", length(msprt), "mSPRT,", length(count), "count and", length(mw), "Mann-Whitney cases\n")
