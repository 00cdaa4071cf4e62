;; An empty program: measures start-up time only.
(display "")
