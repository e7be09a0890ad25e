;;; e2e.el --- keyguard in a real Emacs with eglot (run by scripts/e2e-emacs)  -*- lexical-binding: t -*-
;;
;; Uses the eglot configuration of docs/editors.md: opens app.py holding a
;; fake key, waits for keyguard's diagnostic in flymake, applies "Move key
;; to .env" through eglot's own code-action command (the menu answered by
;; the test), saves, and checks the files on disk byte for byte: app.py
;; rewritten, .env and .env.example created, .gitignore appended to.
;; Env: KG_BIN (keyguard), KG_WS (workspace: git repo, app.py, .gitignore
;; "node_modules/\n"), KG_KEY (the fake key; never printed).
(require 'eglot)
(require 'flymake)
(require 'cl-lib)

(defun kg-fail (fmt &rest args)
  (princ (concat "FAIL: " (apply #'format fmt args) "\n") #'external-debugging-output)
  (kill-emacs 1))

(defun kg-log (fmt &rest args)
  (princ (concat (apply #'format fmt args) "\n") #'external-debugging-output))

(defun kg-wait (what pred)
  (let ((deadline (+ (float-time) 20)) v)
    (while (and (< (float-time) deadline) (not (setq v (funcall pred))))
      (accept-process-output nil 0.05))
    (unless v (kg-fail "timed out waiting for %s" what))
    v))

(defun kg-read (f)
  (with-temp-buffer
    (insert-file-contents-literally (expand-file-name f (getenv "KG_WS")))
    (buffer-string)))

(condition-case err
    (let ((bin (getenv "KG_BIN")) (ws (getenv "KG_WS")) (key (getenv "KG_KEY")))
      (setq eglot-sync-connect 10)
      ;; docs/editors.md, "Emacs (eglot)", with the built binary and probes off.
      (add-to-list 'eglot-server-programs
                   `((python-mode) . (,bin "lsp" "--stdio"
                                           :initializationOptions (:probe (:enabled :json-false)))))
      (find-file (expand-file-name "app.py" ws))
      (call-interactively #'eglot)
      (let ((d (car (kg-wait "keyguard's diagnostic in flymake"
                             (lambda () (flymake-start) (flymake-diagnostics))))))
        (kg-log "flymake: %s" (flymake-diagnostic-text d))
        (unless (string-match-p "hardcoded-key" (flymake-diagnostic-text d))
          (kg-fail "diagnostic without the hardcoded-key code: %s" (flymake-diagnostic-text d)))
        (when (string-match-p (regexp-quote key) (flymake-diagnostic-text d))
          (kg-fail "the diagnostic holds the full key"))
        ;; The user's M-x eglot-code-actions on the key, picking the move fix
        ;; (the menu and the "Server wants to edit" question answered here).
        (goto-char (flymake-diagnostic-beg d))
        (cl-letf (((symbol-function 'y-or-n-p) (lambda (&rest _) t))
                  ((symbol-function 'completing-read)
                   (lambda (_prompt items &rest _)
                     (car (cl-find-if (lambda (i) (string-prefix-p "Move key to .env" (car i))) items)))))
          (let ((last-nonmenu-event ?a))
            (eglot-code-actions (flymake-diagnostic-beg d) (flymake-diagnostic-end d) nil t)))
        (save-some-buffers t)
        (let ((want `(("app.py" . "import os\n\napi_key = os.environ[\"OPENAI_API_KEY\"]\n")
                      (".env" . ,(concat "OPENAI_API_KEY=" key "\n"))
                      (".env.example" . "OPENAI_API_KEY=\n")
                      (".gitignore" . "node_modules/\n.env\n"))))
          (dolist (w want)
            (let ((got (kg-read (car w))))
              (unless (equal got (cdr w))
                (kg-fail "%s is %S, want %S" (car w)
                         (replace-regexp-in-string (regexp-quote key) "<key>" got t t)
                         (replace-regexp-in-string (regexp-quote key) "<key>" (cdr w) t t))))))
        (kg-log "files on disk are right")
        (kg-log "e2e-emacs: ok")
        (kill-emacs 0)))
  (error (kg-fail "%s" (replace-regexp-in-string (regexp-quote (or (getenv "KG_KEY") "\0")) "<key>"
                                                 (error-message-string err) t t))))
